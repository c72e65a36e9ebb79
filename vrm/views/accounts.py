"""Account pages: sign-up, two-step login, two-factor set-up, security overview, erasure."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from people import erasure
from vrm import accounts
from vrm.forms.accounts import (
    CodeForm,
    CurrentPasswordChangeForm,
    DeleteAccountForm,
    LoginForm,
    PasswordConfirmForm,
    SignupForm,
)

PENDING_USER, PENDING_BACKEND, PENDING_SINCE, PENDING_NEXT = (
    "vrm_2fa_user", "vrm_2fa_backend", "vrm_2fa_since", "vrm_2fa_next",
)
# How long a person has between a correct password and their code.
PENDING_SECONDS = 300


def _safe_next(request, user, candidate):
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)  # the role's landing page


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("profile:overview")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = accounts.register_person(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        auth_login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your vault is ready. Fill in what you want to keep in it.")
        return redirect("profile:overview")
    return render(request, "accounts/signup.html", {"form": form})


class PortalLoginView(LoginView):
    """Password first; a person with two-factor login on then gives a code before the session is theirs."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if accounts.confirmed_device(user) is None:
            return super().form_valid(form)
        # Not logged in yet: remember who passed the password step, in a fresh session id.
        self.request.session.cycle_key()
        self.request.session[PENDING_USER] = user.pk
        self.request.session[PENDING_BACKEND] = user.backend
        self.request.session[PENDING_SINCE] = time.time()
        self.request.session[PENDING_NEXT] = self.get_redirect_url()
        return redirect("accounts:login_code")


def _pending_user(request):
    since = request.session.get(PENDING_SINCE)
    if since is None or time.time() - since > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=request.session.get(PENDING_USER), is_active=True).first()


def _forget_pending(request):
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_SINCE, PENDING_NEXT):
        request.session.pop(key, None)


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    user = _pending_user(request)
    if user is None:
        _forget_pending(request)
        messages.error(request, "Your login took too long or was not started. Enter your password again.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = accounts.verify_second_factor(user, form.cleaned_data["code"])
        except accounts.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            backend, next_url = request.session[PENDING_BACKEND], request.session.get(PENDING_NEXT)
            _forget_pending(request)
            user.otp_device = device  # django-otp marks the session verified on login
            auth_login(request, user, backend=backend)
            return redirect(_safe_next(request, user, next_url))
    return render(request, "accounts/login_code.html", {"form": form})


@login_required
@never_cache
def security(request):
    return render(
        request,
        "accounts/security.html",
        {"device": accounts.confirmed_device(request.user), "pending": accounts.pending_device(request.user)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """GET shows the pending set-up (QR code and code form); POST starts a new one."""
    if request.method == "POST":
        accounts.start_two_factor(request.user)
        return redirect("accounts:two_factor_setup")
    device = accounts.pending_device(request.user)
    if device is None:
        return redirect("accounts:security")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": CodeForm(),
            "qr_code": accounts.qr_code_data_uri(device),
            "secret": accounts.secret_for_manual_entry(device),
        },
    )


@login_required
@never_cache
@require_POST
def two_factor_confirm(request):
    device = accounts.pending_device(request.user)
    if device is None:
        return redirect("accounts:security")
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            device = accounts.confirm_two_factor(request.user, form.cleaned_data["code"])
        except accounts.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            otp_login(request, device)
            messages.success(request, "Two-factor login is on. Next time you log in, we will ask for a code.")
            return redirect("accounts:security")
    context = {
        "form": form,
        "qr_code": accounts.qr_code_data_uri(device),
        "secret": accounts.secret_for_manual_entry(device),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400)


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_disable(request):
    form = PasswordConfirmForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        accounts.disable_two_factor(request.user)
        messages.success(request, "Two-factor login is off.")
        return redirect("accounts:security")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/two_factor_disable.html", {"form": form}, status=status)


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        erasure.erase_person(request.user, actor=request.user)
        auth_logout(request)
        messages.success(request, "Your account is deleted. Your profile can no longer be decrypted by anyone.")
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)


class PortalPasswordChangeView(PasswordChangeView):
    """Django's password change; the current password counts towards the login lock-out."""

    form_class = CurrentPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
