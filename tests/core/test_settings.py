"""Start-up behaviour of the settings, checked in a fresh process each time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3y-for-the-settings-test-only-7f9c2a51e0d84b6c9a1e3f5d7b9c0e2a4",
    "ALLOWED_HOSTS": "ecoes.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ecoes",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_BASE_URL": "https://ecoes.example",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "PORTAL_BASE_URL"]
)
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_production_deploy_check_prints_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNINGS" not in result.stderr


def test_an_unknown_django_env_is_refused():
    result = manage("check", env={"DJANGO_ENV": "staging"})
    assert result.returncode != 0
    assert "DJANGO_ENV='staging' is not known" in result.stderr


def test_a_malformed_boolean_is_refused():
    result = manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_portal_base_url_with_a_path_or_no_scheme_is_refused():
    for value in ("ecoes.example", "https://ecoes.example/x?next=/"):
        result = manage("check", env={**PRODUCTION_ENV, "PORTAL_BASE_URL": value})
        assert result.returncode != 0
        assert "must be a scheme and host only" in result.stderr
