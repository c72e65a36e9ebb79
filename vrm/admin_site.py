"""The Django admin, when an operator turns it on (VRM_ADMIN_ENABLED): django-otp's OTPAdminSite.

Every admin page, and the admin's own login, needs a session verified by a confirmed
TOTP device: the password alone never opens it. A staff account sets its device up on
the portal's Security page.
"""

from django_otp.admin import OTPAdminSite


class TwoFactorAdminSite(OTPAdminSite):
    """OTPAdminSite under Django's usual instance name, so the admin's templates and URLs stay as they are."""

    def __init__(self, name="admin"):
        super().__init__(name)

