"""The one place that decides OAuth questions: django-oauth-toolkit's validator, extended.

On top of DOT (configured for RFC 9700 in settings.OAUTH2_PROVIDER) it

- ties every authorization code and every token to the person's consent grant,
  caps an access token's lifetime at the grant's end, and refuses to exchange a
  code or refresh a token whose grant is no longer active;
- marks an exchanged code as used instead of deleting it, so that a replayed
  code revokes every token issued from its first use (RFC 9700 section 4.2.4);
- accepts access tokens only in the Authorization header (RFC 9700 section 4.3.2);
- matches redirect URIs as exact strings, and requires at the token endpoint the
  redirect_uri that every authorization request here must carry (RFC 6749 section 4.1.3);
- keeps a paused grant's refresh tokens working (the API answers 403 grant-paused),
  and says "grant revoked" / "grant expired" when a code or refresh token is refused
  because its grant ended;
- offers the catalogue's scopes to vendor clients and ``audit:read`` only to
  auditor (client credentials) clients.
"""

import hashlib
from collections import OrderedDict
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from consents.models import Grant
from vendors.client_auth import basic_credentials, upgrade_secret_hash
from vendors.models import AccessToken, AuthorizationCode, OAuthClient, RefreshToken

AUDIT_SCOPE = "audit:read"
AUDIT_SCOPE_DESCRIPTION = "Read the audit log (auditors only)"


def person_scopes():
    """Scopes a vendor may ask a person for: the catalogue's, scope -> description."""
    from vrm.catalogue import SCOPES

    return SCOPES


def grant_is_live(grant, now):
    """Whether the grant has not ended (active or paused, started, before its end): its tokens stay valid."""
    return grant.status in Grant.LIVE_STATUSES and grant.starts_at <= now < grant.expires_at


def grant_end(grant, now):
    """Why a grant's tokens no longer work: "grant revoked" or "grant expired"; None while it is live."""
    if grant.status == Grant.Status.REVOKED:
        return "grant revoked"
    if grant.status == Grant.Status.EXPIRED or now >= grant.expires_at:
        return "grant expired"
    return None


def checksum(raw_token):
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


class _RowShape:
    """One model's columns in a hand-built SELECT: the SQL, and how to make an instance from them."""

    def __init__(self, model, alias, connection):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in self.fields]
        self.pk_index = self.fields.index(model._meta.pk)
        quote = connection.ops.quote_name
        self.columns = [f"{alias}.{quote(field.column)}" for field in self.fields]
        self.converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                self.converters.append((index, column, converters))

    def instance(self, db, connection, values):
        if values[self.pk_index] is None:
            return None  # no row on this side of a LEFT JOIN
        values = list(values)
        for index, column, converters in self.converters:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        return self.model.from_db(db, self.attnames, values)


@cache
def _token_lookup(db):
    """The token lookup's SQL (built once per database): token, grant, user and client by the token checksum.

    Django builds a select_related query anew on every call, which cost more than running it;
    the API's decision needs exactly these rows, one indexed lookup on the unique checksum.
    """
    connection = connections[db]
    quote = connection.ops.quote_name
    User = get_user_model()
    token = _RowShape(AccessToken, "t", connection)
    joins = [
        ("consent", _RowShape(Grant, "g", connection)),
        ("user", _RowShape(User, "u", connection)),
        ("application", _RowShape(OAuthClient, "a", connection)),
    ]
    sql = [f"SELECT {', '.join(token.columns + [c for _, shape in joins for c in shape.columns])}"]
    sql.append(f"FROM {quote(AccessToken._meta.db_table)} t")
    for name, shape in joins:
        alias = shape.columns[0].split(".", 1)[0]
        column = AccessToken._meta.get_field(name).column
        sql.append(
            f"LEFT JOIN {quote(shape.model._meta.db_table)} {alias} "
            f"ON {alias}.{quote(shape.model._meta.pk.column)} = t.{quote(column)}"
        )
    sql.append(f"WHERE t.{quote(AccessToken._meta.get_field('token_checksum').column)} = %s")
    return " ".join(sql), token, joins


def load_access_token(raw_token):
    """The access token with this value, its grant, user and client loaded in one statement; None if unknown."""
    db = router.db_for_read(AccessToken)
    connection = connections[db]
    sql, token_shape, joins = _token_lookup(db)
    with connection.cursor() as cursor:
        cursor.execute(sql, [checksum(raw_token)])
        row = cursor.fetchone()
    if row is None:
        return None
    start = len(token_shape.fields)
    token = token_shape.instance(db, connection, row[:start])
    for name, shape in joins:
        end = start + len(shape.fields)
        AccessToken._meta.get_field(name).set_cached_value(token, shape.instance(db, connection, row[start:end]))
        start = end
    return token


class CatalogueScopes(BaseScopes):
    """Scopes backend: vendor clients ask persons for catalogue scopes; auditor clients get audit:read."""

    def get_all_scopes(self):
        return {**person_scopes(), AUDIT_SCOPE: AUDIT_SCOPE_DESCRIPTION}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return list(self.get_all_scopes())
        if application.authorization_grant_type == OAuthClient.GRANT_CLIENT_CREDENTIALS:
            return [AUDIT_SCOPE]
        return list(person_scopes())

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        if application is not None and application.authorization_grant_type == OAuthClient.GRANT_CLIENT_CREDENTIALS:
            return [AUDIT_SCOPE]
        # A vendor must say what it asks for; the consent screen refuses an empty request.
        return []


class VaultOAuth2Validator(OAuth2Validator):
    def validate_bearer_token(self, token, scopes, request):
        # oauthlib falls back to an access_token query or body parameter when there is no
        # Authorization header; RFC 9700 section 4.3.2 wants the header only.
        if "Authorization" not in request.headers:
            request.oauth2_error = OrderedDict(
                [
                    ("error", "invalid_request"),
                    ("error_description", "Send the access token in the Authorization header."),
                ]
            )
            return False
        return super().validate_bearer_token(token, scopes, request)

    def authenticate_client(self, request, *args, **kwargs):
        authenticated = super().authenticate_client(request, *args, **kwargs)
        if authenticated:
            basic = basic_credentials(request.headers.get("Authorization", ""))
            upgrade_secret_hash(request.client, basic[1] if basic else getattr(request, "client_secret", ""))
        return authenticated

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        # Exact string comparison with a registered URI (RFC 9700 section 4.1.3): no case folding,
        # no default ports, no path normalisation.
        return redirect_uri in request.client.redirect_uris.split()

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs):
        # Every authorization request here carries redirect_uri (the consent view requires it), so the
        # token request must repeat it (RFC 6749 section 4.1.3) rather than fall back to a default.
        if getattr(request, "using_default_redirect_uri", False):
            raise oauth_errors.InvalidRequestError(
                description="redirect_uri is required: send the one the authorization request carried.",
                request=request,
            )
        return super().confirm_redirect_uri(client_id, code, redirect_uri, client, request, *args, **kwargs)

    def _load_access_token(self, token):
        # The API's permission check reads the token's grant: load it in the same query.
        return load_access_token(token)

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        authorization_code = self._create_authorization_code(request, code)
        authorization_code.consent = getattr(request, "consent", None)
        authorization_code.save(update_fields=["consent"])

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        now = timezone.now()
        authorization_code = (
            AuthorizationCode.objects.select_related("consent").filter(code=code, application=client).first()
        )
        if authorization_code is None:
            return False
        # Claim the code atomically: of two exchanges of one code, exactly one wins.
        claimed = AuthorizationCode.objects.filter(pk=authorization_code.pk, used_at__isnull=True).update(used_at=now)
        if not claimed:
            self._revoke_tokens_from_code(authorization_code)
            return False
        grant = authorization_code.consent
        if grant is not None and grant_end(grant, now):
            raise oauth_errors.InvalidGrantError(description=grant_end(grant, now), request=request)
        if grant is None or not grant.is_active_at(now):
            return False
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        request.consent = grant
        return True

    def _revoke_tokens_from_code(self, authorization_code):
        # Re-read: the first exchange records its token family just after issuing the tokens.
        token_family = (
            AuthorizationCode.objects.filter(pk=authorization_code.pk).values_list("token_family", flat=True).first()
        )
        RefreshToken.revoke_family(token_family)

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        # validate_code already marked the code used; keep the row so that a replay is recognised.
        pass

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        now = timezone.now()
        # An ended grant's refresh tokens are revoked; say why, so that the client can tell it from a replay.
        ended = (
            RefreshToken.objects.select_related("consent")
            .filter(token_checksum=checksum(refresh_token), application=client, consent__isnull=False)
            .first()
        )
        if ended is not None and grant_end(ended.consent, now):
            raise oauth_errors.InvalidGrantError(description=grant_end(ended.consent, now), request=request)
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        consent_id = request.refresh_token_instance.consent_id
        grant = Grant.objects.filter(pk=consent_id).first() if consent_id else None
        # A paused grant keeps its refresh token working: the client must not drop it (the usual reaction
        # to invalid_grant) and lose the grant for good; the API answers 403 grant-paused meanwhile.
        if grant is None or not grant_is_live(grant, now):
            return False
        request.consent = grant
        return True

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args, **kwargs):
        # Clients commonly repeat their original request's scope on refresh; that is fine as long as
        # it is within what they asked the person for. save_bearer_token cuts it to what was granted.
        grant = getattr(request, "consent", None)
        return grant is not None and set(request_scopes) <= set(grant.requested_scopes)

    def save_bearer_token(self, token, request, *args, **kwargs):
        grant = getattr(request, "consent", None)
        if grant is not None:
            # A token never outlives its grant, nor carries a scope the grant no longer has.
            remaining = int((grant.expires_at - timezone.now()).total_seconds())
            token["expires_in"] = max(1, min(int(token.get("expires_in", remaining)), remaining))
            token["scope"] = " ".join(scope for scope in token["scope"].split() if scope in grant.scopes)
        with transaction.atomic(using=router.db_for_write(AccessToken)):
            self._save_bearer_token(token, request, *args, **kwargs)
            if grant is None:
                return
            AccessToken.objects.filter(token_checksum=checksum(token["access_token"])).update(consent=grant)
            if not token.get("refresh_token"):
                return
            refresh_tokens = RefreshToken.objects.filter(
                token_checksum=checksum(token["refresh_token"]), revoked__isnull=True
            )
            refresh_tokens.update(consent=grant)
            if request.grant_type == "authorization_code":
                token_family = refresh_tokens.values_list("token_family", flat=True).first()
                AuthorizationCode.objects.filter(code=request.code, application=request.client).update(
                    token_family=token_family
                )
