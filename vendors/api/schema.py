"""OpenAPI description of the API's OAuth 2.0 security, so generated clients know the flow and scopes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from vendors.api.serializers import ProblemSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vendors.api.authentication.BearerTokenAuthentication"
    name = "oauth2"

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        scopes = list(getattr(view, "required_scopes", ()))
        if getattr(view, "scope_match", "all") == "any":
            return [{self.name: [scope]} for scope in scopes]
        return {self.name: scopes}

    def get_security_definition(self, auto_schema):
        from vendors.oauth import person_scopes

        return {
            "type": "oauth2",
            "description": "Authorization code with PKCE (S256). Send the token as `Authorization: Bearer ...`.",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/o/authorize/",
                    "tokenUrl": "/o/token/",
                    "refreshUrl": "/o/token/",
                    "scopes": dict(person_scopes()),
                }
            },
        }


REFUSAL_TEXTS = {
    400: "Invalid fields (`invalid-request`, with `errors`) or a body that is not JSON (`malformed-body`).",
    401: "No valid access token (missing, expired, ended, or not in the Authorization header).",
    403: "The grant is paused, expired or revoked (`grant-paused`, `grant-expired`, `grant-revoked`), or does not "
         "include the scope this endpoint needs (`scope-not-granted`).",
    "403-no-scope": "The grant is paused, expired or revoked (`grant-paused`, `grant-expired`, `grant-revoked`), or "
                    "the token was not issued under a grant (`forbidden`).",
    429: "The grant's daily read limit is reached (`rate-limited`); see Retry-After.",
}


def refusals(*keys):
    """The documented refusals of an operation, each a problem document."""
    return {
        int(str(key).split("-")[0]): OpenApiResponse(ProblemSerializer, description=REFUSAL_TEXTS[key]) for key in keys
    }


PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
GENERIC_REFUSALS = {
    "400": "Invalid request body or query parameter; `errors` names each field.",
    "401": "No valid access token (missing, expired, revoked, or not in the Authorization header).",
    "403": "This token may not use this endpoint (wrong kind of token, grant not active, or scope missing).",
    "404": "No such object under your token.",
    "415": "The request body's media type is not accepted; send JSON.",
}


def document_problems(result, generator, request, public):
    """Postprocessing hook: every error response is a problem details body, and every operation lists
    the refusals it can actually give (401/403 behind a token, 404 with an id in the path, 400/415 with
    a body, 400 with query parameters), so that clients and schema-driven tests know the whole contract."""
    secured = {name for name, scheme in result.get("components", {}).get("securitySchemes", {}).items()}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            expected = []
            if any(requirement.keys() & secured for requirement in operation.get("security", [])):
                expected += ["401", "403"]
            if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
                expected.append("404")
            if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
                expected.append("400")
            if "requestBody" in operation:
                expected += ["400", "415"]
            for code in expected:
                responses.setdefault(code, {"description": GENERIC_REFUSALS[code]})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["content"] = PROBLEM
    return result
