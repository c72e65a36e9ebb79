"""The authorization server's URLs, in DOT's namespace so that its metadata view can reverse them.

Only what we serve: RFC 8414 metadata at the root, and authorize, token,
revoke_token and introspect under /o/. No device flow, no DOT management pages.
"""

from django.urls import path
from oauth2_provider import views as dot_views

from consents.views import ConsentView
from vendors.oauth_views import IntrospectionView, ThrottledRevokeTokenView, ThrottledTokenView

app_name = "oauth2_provider"

urlpatterns = [
    path(".well-known/oauth-authorization-server", dot_views.OAuthServerMetadataView.as_view(), name="oauth-server-metadata"),
    path("o/authorize/", ConsentView.as_view(), name="authorize"),
    path("o/token/", ThrottledTokenView.as_view(), name="token"),
    path("o/revoke_token/", ThrottledRevokeTokenView.as_view(), name="revoke-token"),
    path("o/introspect/", IntrospectionView.as_view(), name="introspect"),
]
