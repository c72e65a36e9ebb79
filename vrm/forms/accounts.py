from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator

from vrm.models import User


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
    """Asks for the current password before a grave step (erasure, turning two-factor off)."""

    password = forms.CharField(
        label="Your current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


class DeleteAccountForm(PasswordConfirmForm):
    confirm = forms.BooleanField(
        label="I understand that my profile is destroyed at once and cannot be recovered, and every grant is revoked."
    )
