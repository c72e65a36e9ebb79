"""The consent screen: django-oauth-toolkit's authorization view with the vault's terms and preview."""

from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from oauth2_provider.exceptions import OAuthToolkitError
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


@method_decorator(never_cache, name="dispatch")
class ConsentView(AuthorizationView):
    """GET shows what the vendor asks for and the person's own values; POST Allow creates the grant.

    Bad terms, a non-S256 PKCE method or an empty scope are sent back to the
    vendor as invalid_request / invalid_scope, never shown as a consent screen.
    """

    template_name = "consents/consent.html"
    form_class = ConsentForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_person:
            return TemplateResponse(request, "consents/not_a_person.html", status=403)
        return super().dispatch(request, *args, **kwargs)

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
        return super().get(request, *args, **kwargs)

    def check_request(self, scopes, credentials, params):
        state = credentials.get("state")
        if credentials.get("code_challenge_method") != "S256":
            raise OAuthToolkitError(
                error=oauth_errors.InvalidRequestError(
                    description="Use PKCE with code_challenge_method=S256.", state=state
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
        return initial

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
        application = OAuthClient.objects.select_related("vendor").filter(client_id=form.data.get("client_id")).first()
        if application is None:
            return HttpResponse("Unknown client.", status=400, content_type="text/plain")
        try:
            terms = terms_from_params(form.data, application)
        except InvalidTerms as problem:
            return HttpResponse(problem.message, status=400, content_type="text/plain")
        context = self.consent_context(application, form.data.get("scope", "").split(), terms)
        context.update(form=form, duration_text=describe_duration(terms.duration))
        return self.render_to_response(context, status=400)

    def form_valid(self, form):
        application = OAuthClient.objects.filter(client_id=form.cleaned_data["client_id"]).first()
        if application is None:
            return HttpResponse("Unknown client.", status=400, content_type="text/plain")
        if not form.cleaned_data.get("allow"):
            return super().form_valid(form)  # Deny: DOT answers access_denied
        credentials = {"redirect_uri": form.cleaned_data["redirect_uri"], "state": form.cleaned_data.get("state")}
        if form.cleaned_data.get("code_challenge_method") != "S256":
            return self.refuse("Use PKCE with code_challenge_method=S256.", credentials, application)
        try:
            self.terms = terms_from_params(form.cleaned_data, application)
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
        # RFC 9207: errors (access_denied, invalid_request) carry `iss` too, not only codes.
        if oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS and application is not None:
            redirect_to = _add_iss_to_redirect(redirect_to, oauth2_settings.oauth2_authorization_server_issuer(self.request))
        return super().redirect(redirect_to, application)
