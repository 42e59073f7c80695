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


_PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(SERVER_NAME="api.example.com")
page = client.get("/v1/credits", secure=True)
plain = client.get("/v1/credits")
print(json.dumps({
    "hsts": page.get("Strict-Transport-Security", ""),
    "nosniff": page.get("X-Content-Type-Options", ""),
    "frame": page.get("X-Frame-Options", ""),
    "csp": page.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "webhook_private_targets": settings.PP_WEBHOOK_ALLOW_PRIVATE_TARGETS,
    "debug": settings.DEBUG,
}))
"""


def test_production_headers_and_cookies(tmp_path):
    """Under production settings: HSTS with preload, HTTP redirected to HTTPS, secure and
    HttpOnly cookies, CSP, nosniff, no framing, no webhooks to private addresses."""
    import json

    env = _production_env(tmp_path) | {"PP_TESTING": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "max-age=31536000" in seen["hsts"] and "includeSubDomains" in seen["hsts"]
    assert "preload" in seen["hsts"]
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://")
    assert seen["nosniff"] == "nosniff" and seen["frame"] == "DENY"
    assert "default-src 'self'" in seen["csp"] and "frame-ancestors 'none'" in seen["csp"]
    assert seen["csrf_cookie_secure"] and seen["session_cookie_secure"]
    assert seen["session_cookie_httponly"]
    assert seen["webhook_private_targets"] is False
    assert seen["debug"] is False
