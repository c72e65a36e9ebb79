"""Profile pages: the overview by category, editing one category, custom attributes."""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from people import profile
from vrm import catalogue, crypto, vault
from vrm.forms.profile import CategoryForm, CustomAttributeForm

logger = logging.getLogger(__name__)


def person_required(view):
    """Every page of the person's own portal (profile, export, connections): logged in as a person (vendors'
    developers and auditors have no vault), never cached, a vault that fails to decrypt shown as such."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_person:
            raise PermissionDenied("Only persons have a profile and connections.")
        try:
            return view(request, *args, **kwargs)
        except crypto.DecryptionError as error:
            # Integrity failure of stored data: say so plainly, never show what could not be verified.
            logger.error("vault of person %s could not be decrypted: %s", request.user.pk, error)
            return render(request, "profile/vault_error.html", {"error": str(error)}, status=500)

    return wrapper


@person_required
def overview(request):
    return render(
        request,
        "profile/overview.html",
        {"sections": profile.profile_overview(request.user), "custom_form": CustomAttributeForm()},
    )


@person_required
@require_http_methods(["GET", "POST"])
def edit_category(request, category):
    if category not in catalogue.PROFILE_CATEGORIES:
        raise Http404("No such category.")
    attributes = vault.attributes_for(request.user, [category])
    if request.method == "POST":
        form = CategoryForm(attributes, request.POST)
        if form.is_valid():
            try:
                vault.update_profile(request.user, category=category, values=form.cleaned_data)
            except vault.InvalidProfileValue as error:
                for key, message in error.errors.items():
                    form.add_error(key if key in form.fields else None, message)
            else:
                messages.success(request, f"{catalogue.CATEGORIES[category][0]} saved.")
                return redirect("profile:overview")
        status = 400
    else:
        current = vault.read_profile(request.user, [category])[category]
        form = CategoryForm(attributes, initial=current)
        status = 200
    context = {
        "form": form,
        "category": category,
        "category_label": catalogue.CATEGORIES[category][0],
        "custom_attributes": [a for a in attributes if a.is_custom],
        "visible_to": profile.grants_seeing_categories(request.user, [category])[category],
    }
    return render(request, "profile/edit.html", context, status=status)


@person_required
@require_http_methods(["GET", "POST"])
def add_attribute(request):
    form = CustomAttributeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attribute = vault.add_custom_attribute(request.user, **form.cleaned_data)
        except vault.InvalidAttribute as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added “{attribute.label}”. Fill it in below.")
            return redirect("profile:edit", category=attribute.category)
    status = 400 if request.method == "POST" else 200
    return render(request, "profile/add_attribute.html", {"form": form}, status=status)


@person_required
@require_POST
def delete_attribute(request, attribute_id):
    try:
        vault.delete_custom_attribute(request.user, attribute_id)
    except vault.InvalidAttribute as error:
        raise Http404(str(error)) from None
    messages.success(request, "The attribute and its value are removed.")
    return redirect("profile:overview")
