"""Production settings: `check --deploy` is clean and the security headers are sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PP_"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        DJANGO_ALLOWED_HOSTS="api.example.com",
        PP_VAR_DIR=str(tmp_path),
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_malformed_setting_fails_loudly(tmp_path):
    env = _production_env(tmp_path) | {"PP_MAX_FILE_BYTES": "lots"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "PP_MAX_FILE_BYTES='lots' is not a whole number" in result.stderr


@pytest.mark.django_db
def test_security_headers_on_pages_and_api():
    client = Client()
    page = client.get("/login/")
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page["Content-Security-Policy"]
    api = client.get("/v1/api-keys")
    assert api["X-Content-Type-Options"] == "nosniff"
