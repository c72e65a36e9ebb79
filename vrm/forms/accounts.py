from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, UserCreationForm
from django.core.validators import MaxLengthValidator

from vrm import accounts
from vrm.models import User

WRONG_PASSWORD = "That is not your current password."


class SignupForm(UserCreationForm):
    """Django's sign-up form (username, email, password1, password2) with a required e-mail for resets."""

    # The column's length: a longer (still valid) address would otherwise fail in the database, not the form.
    email = forms.EmailField(
        label="E-mail address",
        max_length=User._meta.get_field("email").max_length,
        help_text="Used only to reset your password.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class LoginForm(AuthenticationForm):
    """Django's login form, with its username length enforced as a validation error.

    Django only sets the input's maxlength attribute, so an overlong username reached
    authenticate() and then django-axes, whose failed-login record (255 characters) made
    PostgreSQL refuse the insert: a 500 instead of "wrong username or password".
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="6-digit code from your authenticator app",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": "Enter the 6 digits shown in your app."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class PasswordConfirmForm(forms.Form):
    """Asks again before a grave step (erasure, turning two-factor off): the current password, and the
    current code from the authenticator app when two-factor login is on.

    The password check counts towards the login lock-out (accounts.check_current_password); the code
    is checked only once the rest of the form is valid, so a code is not used up by a form that fails.
    """

    password = forms.CharField(
        label="Your current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = CodeForm.base_fields["code"]

    def __init__(self, user, *args, request, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)
        self.two_factor = accounts.confirmed_device(user) is not None
        if self.two_factor:
            self.fields["code"].widget.attrs.pop("autofocus", None)
        else:
            del self.fields["code"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not accounts.check_current_password(self.request, self.user, password):
            raise forms.ValidationError(WRONG_PASSWORD)
        return password

    def clean(self):
        cleaned_data = super().clean()
        if self.two_factor and not self.errors:
            try:
                accounts.verify_second_factor(self.user, cleaned_data["code"])
            except accounts.TwoFactorError as error:
                self.add_error("code", str(error))
        return cleaned_data


class DeleteAccountForm(PasswordConfirmForm):
    confirm = forms.BooleanField(
        label="I understand that my profile is destroyed at once and cannot be recovered, and every grant is revoked."
    )

    field_order = ["password", "confirm", "code"]


class CurrentPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the current password checked like a login (same lock-out)."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not accounts.check_current_password(self.request, self.user, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password
