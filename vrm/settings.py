"""Settings for the VRM personal data store, all in one file, all from the environment.

Local use (``DEBUG=1``) works with no configuration: SQLite and a filesystem
broker under ``var/``, and a development secret key, master key and signing key
generated once into ``var/`` with a warning. Without ``DEBUG`` the process
refuses to start unless the secrets are given.
"""

import base64
import os
import secrets
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name, default=()):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
VAR_DIR = Path(os.environ.get("VRM_VAR_DIR", BASE_DIR / "var")).resolve()


def local_secret(name, filename, make):
    """A secret from the environment or, in local use only, from a file under var/.

    Without DEBUG a missing secret stops start-up: production never runs on a
    generated key.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is not set. It is required when DEBUG is off; see README 'Environment'."
        )
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        warnings.warn(f"{name} not set: generated a development value into {path}", stacklevel=2)
    return path.read_text().strip()


# Embedded defaults that serve one machine only. With DEBUG off each one stops start-up unless
# VRM_ALLOW_EMBEDDED names it: an operator opts in by name, one default at a time.
EMBEDDED_DEFAULTS = {
    "sqlite": "SQLite as the database or key store (set DATABASE_URL and VRM_KEYSTORE_URL)",
    "filesystem-broker": "the filesystem Celery broker (set CELERY_BROKER_URL)",
    "local-cache": "a per-process cache, so throttles and limits count per process (set CACHE_URL)",
    "console-email": "the console e-mail backend, which writes password-reset links to the log (set EMAIL_BACKEND)",
}


def refuse_embedded_defaults(in_use, allowed):
    """Raise ImproperlyConfigured naming every embedded default in use (DEBUG off) that `allowed` does not name."""
    unknown = sorted(set(allowed) - set(EMBEDDED_DEFAULTS))
    if unknown:
        raise ImproperlyConfigured(
            f"VRM_ALLOW_EMBEDDED names {', '.join(unknown)}; it may name only {', '.join(EMBEDDED_DEFAULTS)}."
        )
    refused = [name for name in EMBEDDED_DEFAULTS if name in in_use and name not in allowed]
    if refused:
        raise ImproperlyConfigured(
            "Refusing to start with DEBUG off on embedded defaults: "
            + "; ".join(f"{name}: {EMBEDDED_DEFAULTS[name]}" for name in refused)
            + f". Configure them, or opt in by name with VRM_ALLOW_EMBEDDED={','.join(refused)}."
        )


def new_aes_key():
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def new_ed25519_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode()


SECRET_KEY = local_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Master keys (KEKs) that wrap each person's data key, newest first; base64url, 32 bytes each.
VRM_MASTER_KEYS = envlist("VRM_MASTER_KEYS") or [local_secret("VRM_MASTER_KEYS", "master_keys", new_aes_key)]
# Ed25519 private key (base64url of the 32 raw bytes) that signs audit checkpoints and consent receipts.
VRM_SIGNING_KEY = local_secret("VRM_SIGNING_KEY", "signing_key", new_ed25519_key)
# HMAC key for pseudonymous person ids in the audit log and receipts; never rotate it (pseudonyms would change).
VRM_PSEUDONYM_KEY = local_secret("VRM_PSEUDONYM_KEY", "pseudonym_key", lambda: secrets.token_urlsafe(32))
# HMAC key from which each webhook endpoint's signing secret is derived; its own key, so rotating SECRET_KEY
# leaves vendors' signature checks working. Rotating this one changes every endpoint's secret.
VRM_WEBHOOK_KEY = local_secret("VRM_WEBHOOK_KEY", "webhook_key", lambda: secrets.token_urlsafe(32))
# Webhook targets are public addresses only; these host names (or IP addresses) may also be loopback or private
# (an on-premise receiver). With DEBUG on, loopback is allowed as well.
VRM_WEBHOOK_ALLOWED_HOSTS = [host.lower() for host in envlist("VRM_WEBHOOK_ALLOWED_HOSTS")]
# Stated in consent receipts: the jurisdiction whose law governs the consent.
VRM_JURISDICTION = os.environ.get("VRM_JURISDICTION", "EU")
# Days before a rights request's deadline that the vendor is reminded (webhook rights_request.due_soon).
VRM_RIGHTS_REMINDER_DAYS = envint("VRM_RIGHTS_REMINDER_DAYS", 7)
# Largest JSON attachment (bytes, encoded) a vendor may return for an access request.
VRM_RIGHTS_MAX_ATTACHMENT_BYTES = envint("VRM_RIGHTS_MAX_ATTACHMENT_BYTES", 256 * 1024)
# Days a vendor has to confirm a deletion request before it is shown as overdue.
VRM_DELETION_GRACE_DAYS = envint("VRM_DELETION_GRACE_DAYS", 14)
# Days an erased account (its data key destroyed) is kept before its user row, grants and tokens are deleted.
VRM_ERASED_ACCOUNT_GRACE_DAYS = envint("VRM_ERASED_ACCOUNT_GRACE_DAYS", 30)
# Days between a person's e-mail digests (what vendors read, grants ending soon, overdue deletions).
VRM_DIGEST_INTERVAL_DAYS = envint("VRM_DIGEST_INTERVAL_DAYS", 7)
# A vendor access is recorded pending and chained by the audit sequencer, normally within milliseconds;
# verify_audit_log fails when one has waited longer than this (the sequencer and beat are not running).
VRM_AUDIT_MAX_PENDING_SECONDS = envint("VRM_AUDIT_MAX_PENDING_SECONDS", 60)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. It is required when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# The public base URL of this server: the OAuth issuer and the base of links in receipts and webhooks.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin as django-otp's OTPAdminSite (vrm/admin_site.py); routed only with VRM_ADMIN_ENABLED.
    "vrm.apps.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "vrm",
    "vendors",
    "consents",
    "audit",
    "notifications",
    "rights",
]

MIDDLEWARE = [
    # First, so that a view finding the database unreachable answers 503 (see vrm/middleware.py).
    "vrm.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication (it logs out) and messages (it says why).
    "vrm.middleware.AbsoluteSessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # After authentication: renders every date in the person's time zone and language (vrm/preferences.py).
    "vrm.preferences.PreferencesMiddleware",
]

ROOT_URLCONF = "vrm.urls"
# Forms render through templates/django/forms/ (label, control, then hint and errors together).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "vrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["vrm.templatetags.portal"],
        },
    },
]


def database(url, test_name):
    """One DATABASES entry from a URL; SQLite gets WAL and a test file, PostgreSQL a test database, per session."""
    conf = dj_database_url.parse(url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True)
    if conf["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and immediate transactions let the web process and a worker process share the file.
        conf["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not memory, so that worker processes started by the tests see the test database.
        conf["TEST"] = {"NAME": str(VAR_DIR / f"test-{test_name}-{os.getpid()}.sqlite3")}
        conf["CONN_MAX_AGE"] = 0
    else:
        # One test database per test session, so that concurrent sessions never share one.
        conf["TEST"] = {"NAME": f"test_{conf['NAME']}_{os.getpid()}"}
    return conf


# The key store holds only the wrapped data keys (vrm.DataKey, routed by vrm/routers.py), apart from
# the main database, so that the main database's backups hold no key material.
VRM_KEYSTORE_URL = os.environ.get("VRM_KEYSTORE_URL", "").strip()
if not VRM_KEYSTORE_URL and not DEBUG and os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "VRM_KEYSTORE_URL is not set. It is required when DEBUG is off and DATABASE_URL is set: "
        "the data keys live in a database of their own; see README 'The vault: keys, rotation, erasure'."
    )
DATABASES = {
    "default": database(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), "db"),
    "keystore": database(VRM_KEYSTORE_URL or f"sqlite:///{VAR_DIR / 'keystore.sqlite3'}", "keystore"),
}
DATABASE_ROUTERS = ["vrm.routers.KeyStoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "vrm.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # OAuth client secrets only (vendors/client_auth.py says why); last, so no password is ever stored with it.
    "vendors.client_auth.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Django's UserAttributeSimilarityValidator, also applied to each word of the password (vrm/passwords.py).
    {"NAME": "vrm.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
# A role's landing page (vrm/views/preferences.py): connections, the developer portal or the audit overview.
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "/"

# Brute-force protection: lock a username+address pair after repeated failures, unlock by itself.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Two-factor login (django-otp TOTP): the name authenticator apps show for this account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "VRM")
# The Django admin is off (404) unless an operator turns it on; on, it needs the second factor.
VRM_ADMIN_ENABLED = envbool("VRM_ADMIN_ENABLED", False)

# Sessions: idle timeout (renewed on each request), server-side end at logout, and an absolute
# lifetime from login however active the session is (vrm.middleware.AbsoluteSessionLifetimeMiddleware).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", 30 * 60)
VRM_SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Transport and browser security. Production (DEBUG off) gets secure cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "form-action": [SELF, "http://127.0.0.1:*", "http://localhost:*", "https:"],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en"
# The languages a person may choose in their settings: Django's own localisation formats (dates, numbers).
LANGUAGES = [("en", "English (US)"), ("en-gb", "English (UK)"), ("de", "Deutsch"), ("fr", "Français"), ("nl", "Nederlands")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "VRM <no-reply@localhost>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)

# Celery: a broker that needs no server by default; Redis (or any kombu URL) when CELERY_BROKER_URL is set.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")

VRM_ALLOW_EMBEDDED = envlist("VRM_ALLOW_EMBEDDED")
if not DEBUG:
    # Before anything is written under var/ (the filesystem broker's folders below).
    _embedded_in_use = {
        "sqlite": any(db["ENGINE"] == "django.db.backends.sqlite3" for db in DATABASES.values()),
        "filesystem-broker": CELERY_BROKER_URL.startswith("filesystem://"),
        "local-cache": CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache",
        "console-email": EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend",
    }
    refuse_embedded_defaults({name for name, used in _embedded_in_use.items() if used}, VRM_ALLOW_EMBEDDED)

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("VRM_CELERY_QUEUE", "vrm")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    if CELERY_BROKER_URL.startswith("redis://"):
        # kombu's Redis transport, kept alive across a broker restart with unacknowledged messages (vrm/broker.py).
        CELERY_BROKER_TRANSPORT = "vrm.broker:Transport"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic sweeps are the source of truth for time-driven state (see DESIGN.md, enforcement rule 3).
CELERY_BEAT_SCHEDULE = {
    "record-heartbeat": {"task": "vrm.tasks.record_heartbeat", "schedule": 60.0},
    # `manage.py run_audit_sequencer` chains vendor accesses within milliseconds; this bounds the delay without it.
    "chain-pending-audit-entries": {"task": "audit.tasks.chain_pending_entries", "schedule": 5.0},
    "sign-audit-checkpoint": {"task": "audit.tasks.sign_checkpoint", "schedule": 300.0},
    "verify-audit-log": {"task": "audit.tasks.verify_audit_log", "schedule": 3600.0},
    "purge-erased-vaults": {"task": "vrm.tasks.purge_erased_vaults", "schedule": 300.0},
    "purge-expired-vault-records": {"task": "vrm.tasks.purge_expired_vault_records", "schedule": 300.0},
    "purge-unreferenced-data-keys": {"task": "vrm.tasks.purge_unreferenced_data_keys", "schedule": 86400.0},
    "expire-due-grants": {"task": "consents.tasks.expire_due_grants", "schedule": 60.0},
    "resume-due-grants": {"task": "consents.tasks.resume_due_grants", "schedule": 60.0},
    "run-retention": {"task": "consents.tasks.run_retention", "schedule": 600.0},
    "run-rights-clocks": {"task": "rights.tasks.run_rights_clocks", "schedule": 300.0},
    "redeliver-overdue-webhooks": {"task": "vendors.tasks.redeliver_overdue_webhooks", "schedule": 300.0},
    "notify-persons": {"task": "notifications.tasks.run_notification_sweeps", "schedule": 3600.0},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # Every body is JSON, bounded in size and depth (a bad one is a 400/413 problem, never a 500).
    "DEFAULT_PARSER_CLASSES": ["vendors.api.parsers.BoundedJSONParser"],
    # Every refusal is an RFC 9457 problem details body of a documented type (vrm/problems.py).
    "EXCEPTION_HANDLER": "vrm.problems.problem_details_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VRM personal data store: vendor API",
    "DESCRIPTION": "Read what a person granted, add records to their vault, confirm deletion.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (no CDN; the CSP allows only 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # "Try it out": Authorize runs the authorization code flow with PKCE (S256) and returns to
    # /api/docs/oauth2-redirect.html; a token obtained elsewhere can be pasted under bearerAuth.
    "SWAGGER_UI_OAUTH2_CONFIG": {"usePkceWithAuthorizationCodeGrant": True},
    # Every error response documented as problem details (vendors/api/schema.py), after the default enum hook.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "vendors.api.schema.document_problems"],
    # Stable names for enums that share a field name, so generated clients keep their types as the API grows.
    "ENUM_NAME_OVERRIDES": {
        "GrantStatusEnum": "consents.models.Grant.Status",
        "RightsRequestStatusEnum": "rights.models.RightsRequest.Status",
    },
}

# django-oauth-toolkit: its models are swapped into the vendors app (see vendors/models.py).
OAUTH2_PROVIDER_APPLICATION_MODEL = "vendors.OAuthClient"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "vendors.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "vendors.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "vendors.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "vendors.AuthorizationCode"
# Hardened after RFC 9700 (see README "For vendors: OAuth and the API"). Scopes come from the
# attribute catalogue through vendors.oauth.CatalogueScopes; decisions live in vendors.oauth.
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "vendors.oauth.VaultOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "vendors.oauth.CatalogueScopes",
    # Only read by DOT's fallback backend (ours is above); kept so that the mandatory setting is truthful.
    "SCOPES": {"audit:read": "Read the audit log (auditors only)"},
    "PKCE_REQUIRED": True,
    # One issuer everywhere (metadata, the authorization response's iss, introspection, receipts): never the Host header.
    "OIDC_ISS_ENDPOINT": SITE_URL,
    "CLIENT_SECRET_HASHER": "client_secret_sha256",
    # https only; a client that registered a loopback redirect URI may also use http (OAuthClient.get_allowed_schemes).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": envint("OAUTH_CODE_SECONDS", 60),
    "ACCESS_TOKEN_EXPIRE_SECONDS": envint("OAUTH_ACCESS_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": envint("OAUTH_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REQUEST_APPROVAL_PROMPT": "force",
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", "client_credentials"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# Failed OAuth client authentications allowed per client id and per source address in each window,
# after which /o/token/, /o/revoke_token/, /o/introspect/ and the deletion confirmation answer 429.
OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT = envint("OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT", 10)
OAUTH_CLIENT_AUTH_FAILURES_PER_SOURCE = envint("OAUTH_CLIENT_AUTH_FAILURES_PER_SOURCE", 30)
OAUTH_CLIENT_AUTH_WINDOW_SECONDS = envint("OAUTH_CLIENT_AUTH_WINDOW_SECONDS", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr, "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
