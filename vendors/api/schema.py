"""The OpenAPI schema's security schemes and refusals, so generated clients know the flow, scopes and problems."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from vendors.api.serializers import ProblemSerializer
from vrm.problems import PROBLEM_PATH, PROBLEM_TYPES


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
                    "authorizationUrl": f"{settings.SITE_URL}/o/authorize/",
                    "tokenUrl": f"{settings.SITE_URL}/o/token/",
                    "refreshUrl": f"{settings.SITE_URL}/o/token/",
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
    "400": "Invalid request body or query parameter (`invalid-request`, `errors` names each field), or a body that "
           "is not JSON (`malformed-body`).",
    "401": "No valid access token (missing, expired, ended, or not in the Authorization header).",
    "403": "This token may not use this endpoint (wrong kind of token, grant not active, or scope missing).",
    "404": "No such object under your token.",
    "405": "The endpoint does not have this method (`method-not-allowed`); see Allow.",
    "406": "The Accept header asks for a format this endpoint cannot produce (`not-acceptable`).",
    "413": "The body is larger than the server accepts (`body-too-large`).",
    "415": "The request body's media type is not accepted (`unsupported-media-type`); send JSON.",
    "503": "The database is unreachable for a moment (`service-unavailable`); nothing changed, retry after "
           "Retry-After.",
}
# What every operation can answer whatever its inputs.
ALWAYS = ["405", "406", "503"]
BEARER = "bearerAuth"


def document_problems(result, generator, request, public):
    """Postprocessing hook: every error response is a problem details body of a documented type, and every
    operation lists the refusals it can actually give (401/403 behind a token, 404 with an id in the path,
    400/413/415 with a body, 400 with query parameters, 405/406/503 always), so that clients and schema-driven
    tests know the whole contract. Token-protected operations also accept a plain bearer token (BEARER), which
    is what /api/docs/ offers to paste one obtained elsewhere."""
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    secured = set(schemes)
    if BearerTokenScheme.name in secured:
        schemes[BEARER] = {"type": "http", "scheme": "bearer",
                           "description": "An access token obtained with the oauth2 flow, pasted as it is."}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            security = operation.get("security", [])
            if any(BearerTokenScheme.name in requirement for requirement in security):
                security.append({BEARER: []})
            responses = operation.setdefault("responses", {})
            expected = []
            if any(requirement.keys() & secured for requirement in security):
                expected += ["401", "403"]
            if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
                expected.append("404")
            if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
                expected.append("400")
            if "requestBody" in operation:
                expected += ["400", "413", "415"]
            for code in expected + ALWAYS:
                responses.setdefault(code, {"description": GENERIC_REFUSALS[code]})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = PROBLEM
    enumerate_problem_types(result["components"].get("schemas", {}).get("Problem"))
    return result


def enumerate_problem_types(problem_schema):
    """The Problem schema's `type` lists every problem type's URI, each of which serves its documentation."""
    if problem_schema is None:
        return
    types = sorted(PROBLEM_TYPES.values(), key=lambda problem: problem.slug)
    problem_schema["properties"]["type"] = {
        "type": "string",
        "format": "uri",
        "enum": [problem.uri for problem in types],
        "x-enum-varnames": [problem.slug.upper().replace("-", "_") for problem in types],
        "description": "The problem type; its URI serves its documentation (index: "
                       f"{settings.SITE_URL}{PROBLEM_PATH}).\n\n"
                       + "\n".join(f"* `{problem.slug}` ({problem.status}): {problem.title}" for problem in types),
    }
