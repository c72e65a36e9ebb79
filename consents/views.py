"""The consent screen: django-oauth-toolkit's authorization view with the vault's terms and preview."""

import hashlib
import re

from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.oauth2_backends import _add_iss_to_redirect
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from consents.exceptions import InvalidTerms
from consents.forms import ConsentForm
from consents.grants import create_grant
from consents.models import Grant
from consents.reconsent import diff_against_grant
from consents.selectors import live_grant
from consents.terms import describe_duration, format_duration, parse_duration, terms_from_params
from vendors.models import OAuthClient
from vendors.oauth import person_scopes
from vrm import vault
from vrm.catalogue import CATEGORIES, PROFILE_CATEGORIES, READ_SCOPE_CATEGORY, WRITE_SCOPE_CATEGORY, display_value


def scope_preview(person, scopes, current_scopes=()):
    """One row per requested scope: what it means and the person's own values it would reveal."""
    categories = sorted({READ_SCOPE_CATEGORY[scope] for scope in scopes if scope in READ_SCOPE_CATEGORY})
    values = vault.read_profile(person, categories) if categories else {}
    labels = vault.attribute_labels(person, categories) if categories else {}
    profile_categories = [category for category in categories if category in PROFILE_CATEGORIES]
    types = {
        (attribute.category, attribute.key): attribute.type
        for attribute in (vault.attributes_for(person, profile_categories) if profile_categories else [])
    }
    descriptions = person_scopes()
    rows = []
    for scope in scopes:
        category = READ_SCOPE_CATEGORY.get(scope) or WRITE_SCOPE_CATEGORY.get(scope)
        row = {
            "scope": scope,
            "description": descriptions.get(scope, scope),
            "category": CATEGORIES.get(category, (category, ""))[0],
            "category_key": category,
            "writes": scope in WRITE_SCOPE_CATEGORY,
            "is_new": bool(current_scopes) and scope not in current_scopes,
            "items": [],
            "record_count": None,
        }
        if scope in READ_SCOPE_CATEGORY:
            found = values.get(category, {})
            if "records" in found and category in WRITE_SCOPE_CATEGORY.values():
                row["record_count"] = len(found["records"])
            else:
                category_labels = labels.get(category, {})
                row["items"] = [
                    (category_labels.get(key, key), display_value(types.get((category, key)), value))
                    for key, value in found.items()
                ]
        rows.append(row)
    return rows


# RFC 7636 section 4.2: a code challenge is 43 to 128 unreserved characters.
CODE_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")

# Said with every error redirect that oauthlib raises without a description (RFC 6749 section 4.1.2.1).
ERROR_DESCRIPTIONS = {
    "invalid_request": "The authorization request is missing a parameter or has an invalid one.",
    "invalid_scope": "A requested scope is unknown or not available to this client: ask for " + ", ".join(person_scopes()) + ".",
    "unsupported_response_type": "Only response_type=code is supported.",
    "unauthorized_client": "This client may not use this authorization flow.",
    "access_denied": "The person denied the request.",
    "server_error": "The authorization server could not complete the request.",
}

# The consent form's fields that restate the authorization request: they must come back exactly as shown.
BOUND_FIELDS = (
    "client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge", "code_challenge_method",
    "purpose", "purpose_text", "duration", "retention", "max_reads_per_day",
)
PENDING_SESSION_KEY = "consent_requests"
MAX_PENDING = 10  # consent screens open at once per person (tabs); the oldest is forgotten first


def _pending_key(client_id, code_challenge):
    return hashlib.sha256(f"{client_id}\n{code_challenge}".encode()).hexdigest()


def remember_request(session, fields):
    """Keep the validated authorization request in the person's session, for the consent form's answer."""
    pending = dict(session.get(PENDING_SESSION_KEY, {}))
    pending[_pending_key(fields["client_id"], fields["code_challenge"])] = fields
    session[PENDING_SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING:])


def take_request(session, posted):
    """The request the consent screen was shown for (removed from the session), or None if there is none.

    None too when the form restates it differently: the answer goes nowhere but where the screen said.
    """
    pending = dict(session.get(PENDING_SESSION_KEY, {}))
    fields = pending.pop(_pending_key(posted.get("client_id", ""), posted.get("code_challenge", "")), None)
    session[PENDING_SESSION_KEY] = pending
    if fields is None or any(posted.get(name, "") != value for name, value in fields.items()):
        return None
    return fields


@method_decorator(never_cache, name="dispatch")
class ConsentView(AuthorizationView):
    """GET shows what the vendor asks for and the person's own values; POST Allow creates the grant.

    Bad terms, a non-S256 PKCE method, a malformed code challenge, an empty scope
    or prompt=none are sent back to the vendor as error redirects (with iss and
    error_description), never shown as a consent screen. The request shown is
    kept in the session; the answer is redirected only to its redirect URI.
    """

    template_name = "consents/consent.html"
    form_class = ConsentForm

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and "none" in request.GET.get("prompt", "").split():
            return self.prompt_none(request)
        if request.user.is_authenticated and not request.user.is_person:
            return TemplateResponse(request, "consents/not_a_person.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def prompt_none(self, request):
        # This server never skips the consent screen, so a request that forbids showing it cannot succeed.
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        if request.user.is_authenticated:
            error = oauth_errors.ConsentRequired(
                description="This server always asks the person; send the request without prompt=none.",
                state=credentials.get("state"),
            )
        else:
            error = oauth_errors.LoginRequired(
                description="The person must sign in and consent; send the request without prompt=none.",
                state=credentials.get("state"),
            )
        return self.error_response(OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"]), None)

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = OAuthClient.objects.select_related("vendor").get(client_id=credentials["client_id"])
        try:
            self.check_request(scopes, credentials, request.GET)
            self.terms = terms_from_params(request.GET, application)
        except InvalidTerms as problem:
            return self.refuse(problem.message, credentials, application)
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        # DOT would answer approval_prompt=auto without the screen; this server always asks the person.
        request.GET = request.GET.copy()
        request.GET.pop("approval_prompt", None)
        response = super().get(request, *args, **kwargs)
        remember_request(request.session, self.bound_fields)
        return response

    def check_request(self, scopes, credentials, params):
        state = credentials.get("state")
        if "redirect_uri" not in params:
            raise OAuthToolkitError(
                error=oauth_errors.InvalidRequestError(
                    description="redirect_uri is required, exactly as registered.", state=state
                ),
                redirect_uri=credentials["redirect_uri"],
            )
        if credentials.get("code_challenge_method") != "S256":
            raise OAuthToolkitError(
                error=oauth_errors.InvalidRequestError(
                    description="Use PKCE with code_challenge_method=S256.", state=state
                ),
                redirect_uri=credentials["redirect_uri"],
            )
        if not CODE_CHALLENGE.fullmatch(credentials.get("code_challenge") or ""):
            raise OAuthToolkitError(
                error=oauth_errors.InvalidRequestError(
                    description="code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, -, ., _, ~ (RFC 7636).",
                    state=state,
                ),
                redirect_uri=credentials["redirect_uri"],
            )
        if not scopes or not all(scope in person_scopes() for scope in scopes):
            raise OAuthToolkitError(
                error=oauth_errors.InvalidScopeError(
                    description="Ask for at least one scope: " + ", ".join(person_scopes()), state=state
                ),
                redirect_uri=credentials["redirect_uri"],
            )

    def refuse(self, description, credentials, application):
        error = OAuthToolkitError(
            error=oauth_errors.InvalidRequestError(description=description, state=credentials.get("state")),
            redirect_uri=credentials["redirect_uri"],
        )
        return self.error_response(error, application)

    def error_response(self, error, application, **kwargs):
        oauthlib_error = error.oauthlib_error
        if not oauthlib_error.description:
            oauthlib_error.description = ERROR_DESCRIPTIONS.get(oauthlib_error.error, "The authorization request was refused.")
        if application is None and not isinstance(error, FatalClientError):
            # The client and its redirect URI were validated (else the error would be fatal): answer it the
            # way it registered, so a loopback-http client gets its error redirect too (RFC 8252).
            application = OAuthClient.objects.filter(client_id=self.request.GET.get("client_id", "")).first()
        return super().error_response(error, application, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        terms = getattr(self, "terms", None)
        if terms is None:  # POST: the bound form carries everything
            return initial
        initial.update(
            purpose=terms.purpose,
            purpose_text=terms.purpose_text,
            duration=format_duration(terms.duration),
            retention=format_duration(terms.retention),
            max_reads_per_day=terms.max_reads_per_day or "",
            granted_scopes=initial["scope"].split(),
            granted_duration=format_duration(terms.duration),
        )
        self.bound_fields = {name: str(initial.get(name) or "") for name in BOUND_FIELDS}
        return initial

    def post(self, request, *args, **kwargs):
        self.bound_request = take_request(request.session, request.POST)
        if self.bound_request is None:
            return HttpResponse(
                "This consent form does not match a request shown to you. Go back to the vendor and start again.",
                status=400,
                content_type="text/plain",
            )
        return super().post(request, *args, **kwargs)
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            self.consent_context(context["application"], (context.get("scopes") or []), self.terms)
        )
        return context

    def consent_context(self, application, requested_scopes, terms):
        current = live_grant(self.request.user, application)
        return {
            "application": application,
            "vendor": application.vendor,
            "terms": terms,
            "purpose_label": dict(Grant.Purpose.choices).get(terms.purpose, terms.purpose),
            "duration_text": describe_duration(terms.duration),
            "retention_text": describe_duration(terms.retention),
            "preview": scope_preview(self.request.user, requested_scopes, current.scopes if current else ()),
            "current_grant": current,
            "diff": diff_against_grant(current, requested_scopes, terms),
        }

    def form_invalid(self, form):
        bound = self.bound_request
        application = OAuthClient.objects.select_related("vendor").filter(client_id=bound["client_id"]).first()
        if application is None:
            return HttpResponse("Unknown client.", status=400, content_type="text/plain")
        terms = terms_from_params(bound, application)  # validated when the screen was shown
        remember_request(self.request.session, bound)  # the person may correct the form and answer again
        context = self.consent_context(application, bound["scope"].split(), terms)
        context.update(form=form, duration_text=describe_duration(terms.duration))
        return self.render_to_response(context, status=400)

    def form_valid(self, form):
        bound = self.bound_request
        application = OAuthClient.objects.filter(client_id=bound["client_id"]).first()
        if application is None:
            return HttpResponse("Unknown client.", status=400, content_type="text/plain")
        # Everything the vendor asked comes from the request validated when the screen was shown;
        # the form contributes only the person's choices.
        form.cleaned_data.update({name: bound[name] for name in BOUND_FIELDS})
        if not form.cleaned_data.get("allow"):
            return super().form_valid(form)  # Deny: DOT answers access_denied
        credentials = {"redirect_uri": bound["redirect_uri"], "state": bound["state"]}
        try:
            self.terms = terms_from_params(bound, application)
            chosen = parse_duration(form.cleaned_data["granted_duration"], name="duration")
        except InvalidTerms as problem:
            return self.refuse(problem.message, credentials, application)
        self.consent_choice = {
            "application": application,
            "requested_scopes": form.cleaned_data["scope"].split(),
            "granted_scopes": form.cleaned_data["granted_scopes"],
            "duration": min(chosen, self.terms.duration),
        }
        return super().form_valid(form)

    def create_authorization_response(self, request, scopes, credentials, allow):
        if not allow:
            return super().create_authorization_response(request, scopes, credentials, allow)
        choice = self.consent_choice
        # The grant and the authorization code stand or fall together.
        with transaction.atomic():
            try:
                grant = create_grant(
                    person=request.user,
                    client=choice["application"],
                    requested_scopes=choice["requested_scopes"],
                    scopes=choice["granted_scopes"],
                    purpose=self.terms.purpose,
                    purpose_text=self.terms.purpose_text,
                    duration=choice["duration"],
                    retention=self.terms.retention,
                    max_reads_per_day=self.terms.max_reads_per_day,
                )
            except InvalidTerms as problem:
                raise OAuthToolkitError(
                    error=oauth_errors.InvalidRequestError(description=problem.message, state=credentials.get("state")),
                    redirect_uri=credentials["redirect_uri"],
                ) from None
            credentials["consent"] = grant
            return super().create_authorization_response(request, " ".join(grant.scopes), credentials, allow)

    def redirect(self, redirect_to, application):
        # RFC 9207: every authorization response carries `iss`, errors (access_denied, invalid_scope) included.
        if oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS:
            redirect_to = _add_iss_to_redirect(redirect_to, oauth2_settings.oauth2_authorization_server_issuer(self.request))
        return super().redirect(redirect_to, application)
