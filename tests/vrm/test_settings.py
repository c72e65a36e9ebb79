"""Start-up safety: production refuses to run without secrets; local use generates them once."""

import os
import stat
import subprocess
import sys

import pytest

from vrm.settings import BASE_DIR

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
PRODUCTION = {
    "SECRET_KEY": "x" * 60 + "production-like-secret-key-for-tests",
    "VRM_MASTER_KEYS": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "VRM_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "VRM_PSEUDONYM_KEY": "pseudonym-key-for-tests-0123456789abcdef",
    "VRM_WEBHOOK_KEY": "webhook-key-for-tests-0123456789abcdef",
    "ALLOWED_HOSTS": "vrm.example.org",
    # Tests run their production processes on the embedded services, opted in by name.
    "VRM_ALLOW_EMBEDDED": "sqlite,filesystem-broker,local-cache,console-email",
}
# Production services for each embedded default (nothing connects to them while settings load).
SERVICES = {
    "sqlite": {"DATABASE_URL": "postgres://vrm@db.invalid:5432/vrm", "VRM_KEYSTORE_URL": "postgres://k@keys.invalid/k"},
    "filesystem-broker": {"CELERY_BROKER_URL": "redis://redis.invalid:6379/0"},
    "local-cache": {"CACHE_URL": "redis://redis.invalid:6379/1"},
    "console-email": {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
}
EMBEDDED = list(SERVICES)


def run_python(code_or_args, env_overrides, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION, *drop)}
    env.update(env_overrides)
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "VRM_MASTER_KEYS", "VRM_SIGNING_KEY", "VRM_PSEUDONYM_KEY", "VRM_WEBHOOK_KEY", "ALLOWED_HOSTS"],
)
def test_it_refuses_to_start_in_production_without_each_secret(missing, tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = run_python(SETUP, dict(env, VRM_VAR_DIR=str(tmp_path)))

    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_it_starts_in_production_with_every_secret_given(tmp_path):
    result = run_python(SETUP, dict(PRODUCTION, VRM_VAR_DIR=str(tmp_path)))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_it_rejects_a_boolean_it_cannot_read(tmp_path):
    result = run_python(SETUP, {"DEBUG": "maybe", "VRM_VAR_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_local_use_generates_private_development_keys_once_with_a_warning(tmp_path):
    show = "import django; django.setup(); from django.conf import settings; print(settings.VRM_MASTER_KEYS[0])"

    first = run_python(show, {"DEBUG": "1", "VRM_VAR_DIR": str(tmp_path)}, drop=("VRM_VAR_DIR",))
    second = run_python(show, {"DEBUG": "1", "VRM_VAR_DIR": str(tmp_path)}, drop=("VRM_VAR_DIR",))

    assert first.returncode == 0, first.stderr
    assert "generated a development value" in first.stderr
    assert "generated a development value" not in second.stderr
    assert first.stdout == second.stdout
    for name in ("secret_key", "master_keys", "signing_key", "pseudonym_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


@pytest.mark.django_db
def test_check_deploy_with_production_settings_leaves_only_the_documented_warning(tmp_path):
    from tests.processes import child_database_env

    # On this session's test databases: the master-key check reads the key store (vrm.W001 if unreachable).
    env = dict(PRODUCTION, VRM_VAR_DIR=str(tmp_path), **child_database_env())

    result = run_python(["manage.py", "check", "--deploy"], env)

    reported = [line.split(")")[0] + ")" for line in result.stderr.splitlines() if line.startswith("?: (")]
    assert reported == ["?: (security.W021)"], result.stderr


def test_it_refuses_to_start_in_production_with_a_database_but_no_key_store(tmp_path):
    env = dict(PRODUCTION, VRM_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://vrm@db.invalid:5432/vrm")

    result = run_python(SETUP, env, drop=("VRM_KEYSTORE_URL",))

    assert result.returncode != 0
    assert "VRM_KEYSTORE_URL is not set" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_key_store_is_a_database_of_its_own(tmp_path):
    show = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['keystore']['NAME'], settings.DATABASES['keystore']['TEST']['NAME'])"
    )
    env = dict(PRODUCTION, VRM_VAR_DIR=str(tmp_path), DATABASE_URL="postgres://vrm@db.invalid:5432/vrm",
               VRM_KEYSTORE_URL="postgres://keys@keys.invalid:5432/vrm_keys")

    result = run_python(show, env)

    assert result.returncode == 0, result.stderr
    name, test_name = result.stdout.split()
    assert name == "vrm_keys" and test_name.startswith("test_vrm_keys_")


def production_on(services, allowed=""):
    """PRODUCTION on the production services of `services` and the embedded default of every other one."""
    env = dict(PRODUCTION, VRM_ALLOW_EMBEDDED=allowed)
    for name in services:
        env.update(SERVICES[name])
    return env


def start_settings(env, tmp_path):
    """Load the settings in a child process whose service URLs come from `env` alone (not this session's)."""
    service_variables = [variable for overrides in SERVICES.values() for variable in overrides]
    return run_python(SETUP, dict(env, VRM_VAR_DIR=str(tmp_path)), drop=service_variables)


@pytest.mark.parametrize("embedded", EMBEDDED)
def test_production_refuses_to_start_on_each_embedded_default_naming_it_and_the_opt_in(embedded, tmp_path):
    env = production_on([name for name in EMBEDDED if name != embedded])

    result = start_settings(env, tmp_path)

    assert result.returncode != 0
    assert "Refusing to start with DEBUG off on embedded defaults" in result.stderr
    assert f"VRM_ALLOW_EMBEDDED={embedded}." in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("embedded", EMBEDDED)
def test_production_starts_on_an_embedded_default_the_operator_named(embedded, tmp_path):
    env = production_on([name for name in EMBEDDED if name != embedded], allowed=embedded)

    result = start_settings(env, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_on_every_embedded_default_names_each_one_and_one_opt_in_does_not_cover_the_others(tmp_path):
    result = start_settings(production_on([], allowed="sqlite"), tmp_path)

    assert result.returncode != 0
    assert "VRM_ALLOW_EMBEDDED=filesystem-broker,local-cache,console-email." in result.stderr
    assert "password-reset links" in result.stderr


def test_production_starts_on_production_services_without_any_opt_in(tmp_path):
    result = start_settings(production_on(EMBEDDED), tmp_path)

    assert result.returncode == 0, result.stderr


def test_an_opt_in_for_a_default_that_does_not_exist_is_refused(tmp_path):
    result = start_settings(production_on(EMBEDDED, allowed="sqlite,no-tls"), tmp_path)

    assert result.returncode != 0
    assert "VRM_ALLOW_EMBEDDED names no-tls" in result.stderr


def test_local_use_needs_no_opt_in(tmp_path):
    result = run_python(SETUP, {"DEBUG": "1", "VRM_VAR_DIR": str(tmp_path)}, drop=("VRM_VAR_DIR",))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
