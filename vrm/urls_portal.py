"""The person's portal: account pages under /accounts/ and the profile under /profile/."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from vrm.views import accounts, export, profile

account_patterns = (
    [
        path("signup/", accounts.signup, name="signup"),
        path("login/", accounts.PortalLoginView.as_view(), name="login"),
        path("login/code/", accounts.login_code, name="login_code"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("security/", accounts.security, name="security"),
        path("two-factor/setup/", accounts.two_factor_setup, name="two_factor_setup"),
        path("two-factor/confirm/", accounts.two_factor_confirm, name="two_factor_confirm"),
        path("two-factor/disable/", accounts.two_factor_disable, name="two_factor_disable"),
        path("delete/", accounts.delete_account, name="delete"),
        path("password/change/", accounts.PortalPasswordChangeView.as_view(), name="password_change"),
        path(
            "password/change/done/",
            auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
            name="password_change_done",
        ),
        path(
            "password/reset/",
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                email_template_name="accounts/password_reset_email.txt",
                subject_template_name="accounts/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            ),
            name="password_reset",
        ),
        path(
            "password/reset/sent/",
            auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
            name="password_reset_done",
        ),
        path(
            "password/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            ),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
            name="password_reset_complete",
        ),
    ],
    "accounts",
)

profile_patterns = (
    [
        path("", profile.overview, name="overview"),
        path("export/", export.export_page, name="export"),
        path("export.json", export.export_json, name="export_json"),
        path("attributes/new/", profile.add_attribute, name="add_attribute"),
        path("attributes/<int:attribute_id>/delete/", profile.delete_attribute, name="delete_attribute"),
        path("<slug:category>/", profile.edit_category, name="edit"),
    ],
    "profile",
)
