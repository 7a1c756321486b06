from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DETOXDESK_ENV": "production",
    "SECRET_KEY": "k" * 20 + "Zq9!xP2#mL7$wR4^tY6&uI8*oO0(pA3)sD5_fG1+hJ",
    "ALLOWED_HOSTS": "detox.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    dropped = {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DEBUG": "true"}, "DEBUG cannot be on in production"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"SESSION_IDLE_MINUTES": "ten"}, "SESSION_IDLE_MINUTES must be a whole number"),
        ({"DETOXDESK_ENV": "staging"}, "DETOXDESK_ENV must be development or production"),
        ({"DATABASE_URL": "nonsense://x"}, "DATABASE_URL"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number"),
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": "0"},
            "TRUSTED_PROXY_COUNT must be at least 1",
        ),
    ],
)
def test_malformed_settings_fail_loudly(override, message):
    result = manage("check", env={**PRODUCTION, **override})
    assert result.returncode != 0
    assert message in result.stderr


def test_demo_data_is_refused_with_production_settings(tmp_path):
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}
    assert manage("migrate", "-v", "0", env=env).returncode == 0
    result = manage("load_demo", env=env)
    assert result.returncode != 0
    assert "production" in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION["SECRET_KEY"])
    env = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}
    assert manage("check", env=env).returncode == 0


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("", "django.core.cache.backends.db.DatabaseCache"),
        ("redis://127.0.0.1:6379/0", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_limits_live_in_the_database_cache_or_in_redis_when_redis_url_is_set(redis_url, backend):
    show = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = manage("shell", "-c", show, env={**PRODUCTION, "REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == backend


@pytest.mark.parametrize(("value", "prepared"), [(None, True), ("true", True), ("false", False)])
def test_prepared_statements_on_postgresql_are_on_unless_turned_off(value, prepared):
    env = {**PRODUCTION, "DATABASE_URL": "postgres://someone@db.example.org:5432/detoxdesk"}
    if value is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = value
    show = "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS']; "
    show += "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    result = manage("shell", "--no-imports", "-c", show, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == (["True", "5"] if prepared else ["None", "None"])


def test_a_malformed_prepared_statements_switch_fails_loudly():
    env = {**PRODUCTION, "DATABASE_URL": "postgres://someone@db.example.org:5432/detoxdesk"}
    result = manage("check", env={**env, "DATABASE_PREPARED_STATEMENTS": "perhaps"})
    assert result.returncode != 0
    assert "DATABASE_PREPARED_STATEMENTS must be true or false" in result.stderr


LOG_PROBE = (
    "import logging; "
    "logging.getLogger('django.request').warning('probe: a 4xx answer'); "
    "logging.getLogger('django.request').error('probe: a server error')"
)


@pytest.mark.parametrize(
    ("level", "written", "left_out"),
    [
        ("", ["a 4xx answer", "a server error"], []),
        ("warning", ["a 4xx answer", "a server error"], []),
        ("ERROR", ["a server error"], ["a 4xx answer"]),
    ],
)
def test_log_level_applies_to_djangos_own_loggers(level, written, left_out):
    result = manage("shell", "-c", LOG_PROBE, env={**PRODUCTION, "LOG_LEVEL": level})
    assert result.returncode == 0, result.stderr
    for text in written:
        assert f"probe: {text}" in result.stderr
    for text in left_out:
        assert f"probe: {text}" not in result.stderr


def test_a_malformed_log_level_fails_loudly():
    result = manage("check", env={**PRODUCTION, "LOG_LEVEL": "LOUD"})
    assert result.returncode != 0
    assert (
        "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'"
        in result.stderr
    )
