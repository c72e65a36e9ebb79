"""The settings page (time zone, language) and the landing page that sends each role to its home."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from vrm.forms.preferences import PreferencesForm
from vrm.preferences import update_preferences

ROLE_HOMES = {"person": "consents:dashboard", "vendor": "developers:home", "auditor": "audit:overview"}


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"time_zone": user.time_zone, "language": user.language})
    if request.method == "POST":
        if form.is_valid():
            update_preferences(user, **form.cleaned_data)
            messages.success(request, "Saved. Dates are now shown in your chosen time zone and format.")
            return redirect("settings")
        return render(request, "profile/settings.html", {"form": form}, status=400)
    return render(request, "profile/settings.html", {"form": form})


@login_required
def landing(request):
    """After login: a person's connections, a vendor developer's portal, an auditor's overview."""
    return redirect(ROLE_HOMES.get(request.user.role, "home"))


def home(request):
    """The public front page; a signed-in user is sent to their role's home instead."""
    if request.user.is_authenticated and request.user.role in ROLE_HOMES:
        return redirect(ROLE_HOMES[request.user.role])
    return render(request, "home.html")
