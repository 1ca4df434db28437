"""The development setup: mailed links follow the port `make run` serves, and `make test` gets its browser."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from marketplace.config import BASE_DIR, base_url_from_environment

ENSURE_BROWSER = BASE_DIR / "scripts" / "ensure-browser.sh"


# BASE_URL in development.


@pytest.fixture
def environ(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    return monkeypatch


def test_without_base_url_links_point_at_the_port_flask_run_serves(environ):
    environ.setenv("FLASK_RUN_PORT", "5101")
    assert base_url_from_environment() == "http://127.0.0.1:5101"


def test_without_base_url_or_a_port_links_point_at_flask_runs_default_port(environ):
    assert base_url_from_environment() == "http://127.0.0.1:5000"


def test_an_explicit_base_url_wins_over_the_port(environ):
    environ.setenv("FLASK_RUN_PORT", "5101")
    environ.setenv("BASE_URL", "https://pasar-sentra.example.com")
    assert base_url_from_environment() == "https://pasar-sentra.example.com"


def test_the_development_config_reads_the_port_at_import():
    """Config.BASE_URL is fixed when marketplace.config is imported: check it in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in {"BASE_URL", "APP_ENV"}}
    env["FLASK_RUN_PORT"] = "5101"
    code = "from marketplace.config import Config; print(Config.BASE_URL)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "http://127.0.0.1:5101"


def _make_dry_run(target, **variables):
    args = ["make", "--no-print-directory", "-n", "-B", target, *(f"{k}={v}" for k, v in variables.items())]
    return subprocess.run(args, cwd=BASE_DIR, capture_output=True, text=True, check=True).stdout  # noqa: S603


def test_make_run_serves_and_exports_the_same_port_and_needs_no_browser():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "run: export FLASK_RUN_PORT = $(PORT)" in makefile
    commands = _make_dry_run("run", PORT="5101")
    assert "flask run --host 127.0.0.1 --port 5101" in commands
    assert "ensure-browser" not in commands


def test_make_test_gets_the_browser_before_anything_else():
    commands = _make_dry_run("test").splitlines()
    assert commands[0] == "bash scripts/ensure-browser.sh"


# The browser for `make test`.


def _ensure_browser(tmp_path, chromium, path, as_user=None):
    bash = shutil.which("bash")
    env = {"PATH": str(path), "ENSURE_BROWSER_CHROMIUM": str(chromium), "HOME": str(tmp_path)}
    # setpriv (util-linux) drops root for one command, so the non-root branch is tested as root too.
    runner = [shutil.which("setpriv"), f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"] if as_user else []
    return subprocess.run([*runner, bash, str(ENSURE_BROWSER)], env=env, capture_output=True, text=True)  # noqa: S603


def test_the_script_looks_where_the_journeys_launch_chromium():
    conftest = (BASE_DIR / "tests" / "e2e" / "conftest.py").read_text()
    launched = re.search(r'^CHROMIUM = "([^"]+)"$', conftest, re.MULTILINE).group(1)
    assert f'ENSURE_BROWSER_CHROMIUM:-{launched}}}"' in ENSURE_BROWSER.read_text()


def test_an_installed_chromium_is_used_as_it_is(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    empty = tmp_path / "bin"
    empty.mkdir()
    result = _ensure_browser(tmp_path, chromium, empty)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_without_chromium_or_apt_get_it_stops_with_one_line_saying_what_to_install(tmp_path):
    empty = tmp_path / "bin"  # a PATH without apt-get: the script's checks are shell builtins
    empty.mkdir()
    missing = tmp_path / "no-chromium"
    result = _ensure_browser(tmp_path, missing, empty)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("make test needs Debian's chromium")
    assert "chromium fonts-dejavu-core" in lines[0]


def test_as_another_user_with_apt_get_it_says_to_use_sudo():
    # A world-readable folder: as root, the script runs as user nobody (65534), who must reach the fake apt-get.
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        fake_bin = folder / "bin"
        fake_bin.mkdir()
        fake_bin.chmod(0o755)
        apt_get = fake_bin / "apt-get"
        apt_get.write_text("#!/bin/sh\nexit 99\n")
        apt_get.chmod(0o755)
        result = _ensure_browser(folder, folder / "no-chromium", fake_bin, as_user=65534 if os.geteuid() == 0 else None)
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 1
    assert result.stderr == "make test needs Debian's chromium: sudo apt-get install chromium fonts-dejavu-core\n"
