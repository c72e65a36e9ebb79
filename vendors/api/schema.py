"""OpenAPI description of the API's OAuth 2.0 security, so generated clients know the flow and scopes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
