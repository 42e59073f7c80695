"""``bin/manage``: manage.py with the project's virtual environment and bin/start's embedded
defaults, from any directory. The README's commands (createorg, createsuperuser, extract,
evaluate) used ``python manage.py``, which is not the venv's Python and, outside bin/start,
demanded DJANGO_SECRET_KEY."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from docgen import SIMPLE_INVOICE_SCHEMA as INVOICE_SCHEMA
from docgen import simple_invoice_pdf as invoice_pdf

REPO = Path(__file__).resolve().parent.parent.parent
MANAGE = REPO / "bin" / "manage"


def run_manage(*args: str, cwd: Path, var: Path) -> subprocess.CompletedProcess[str]:
    """bin/manage as a person runs it: no secret key, no debug flag, no test switches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "PP_TESTING", "DJANGO_SETTINGS_MODULE")
    }
    env["PP_VAR_DIR"] = str(var)
    return subprocess.run(
        [str(MANAGE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_bin_manage_check_runs_without_a_secret_key_from_any_directory(tmp_path):
    done = run_manage("check", cwd=tmp_path, var=tmp_path / "var")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "System check identified no issues" in done.stdout


def test_bin_manage_extract_reads_paths_relative_to_where_it_runs(tmp_path):
    (tmp_path / "invoice.pdf").write_bytes(invoice_pdf("INV-7001"))
    (tmp_path / "schema.json").write_text(json.dumps(INVOICE_SCHEMA))
    done = run_manage(
        "extract",
        "invoice.pdf",
        "--schema",
        "schema.json",
        "--no-content",
        cwd=tmp_path,
        var=tmp_path / "var",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["data"]["invoice_number"] == "INV-7001"


def test_the_readme_runs_every_management_command_through_bin_manage():
    readme = (REPO / "README.md").read_text()
    assert not re.search(r"(python3?|\.venv/bin/python) manage\.py", readme)
    for command in ("createorg", "createsuperuser", "extract", "evaluate"):
        assert f"bin/manage {command}" in readme, command


def test_bin_start_and_bin_manage_share_one_set_of_defaults():
    defaults = (REPO / "bin" / "_defaults.sh").read_text()
    assert 'DJANGO_DEBUG="${DJANGO_DEBUG:-true}"' in defaults
    for script in ("start", "manage"):
        text = (REPO / "bin" / script).read_text()
        assert "_defaults.sh" in text and "DJANGO_DEBUG" not in text, script
