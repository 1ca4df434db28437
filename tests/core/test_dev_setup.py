"""The development setup: mailed links follow the port `make run` serves, and `make test` gets its browser and Java."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from marketplace.config import BASE_DIR, base_url_from_environment

ENSURE_TEST_TOOLS = BASE_DIR / "scripts" / "ensure-test-tools.sh"


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
    assert "ensure-test-tools" not in commands


def test_make_test_gets_the_browser_and_java_before_anything_else():
    commands = _make_dry_run("test").splitlines()
    assert commands[0] == "bash scripts/ensure-test-tools.sh"


# The browser and Java for `make test`.


def _executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def _ensure_tools(tmp_path, chromium, path, java=None, as_user=None):
    """Run the script with `path` as PATH, looking for chromium at `chromium` and Java at `java` (missing: none)."""
    bash = shutil.which("bash")
    env = {
        "PATH": str(path),
        "ENSURE_CHROMIUM": str(chromium),
        "ENSURE_JAVA": str(java or tmp_path / "no-java"),
        "HOME": str(tmp_path),
    }
    # setpriv (util-linux) drops root for one command, so the non-root branch is tested as root too.
    runner = [shutil.which("setpriv"), f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"] if as_user else []
    return subprocess.run([*runner, bash, str(ENSURE_TEST_TOOLS)], env=env, capture_output=True, text=True)  # noqa: S603


def test_the_script_looks_where_the_journeys_launch_chromium():
    conftest = (BASE_DIR / "tests" / "e2e" / "conftest.py").read_text()
    launched = re.search(r'^CHROMIUM = "([^"]+)"$', conftest, re.MULTILINE).group(1)
    assert f'ENSURE_CHROMIUM:-{launched}}}"' in ENSURE_TEST_TOOLS.read_text()


def test_an_installed_chromium_and_java_are_used_as_they_are(tmp_path):
    chromium = _executable(tmp_path / "chromium")
    java = _executable(tmp_path / "java")
    empty = tmp_path / "bin"
    empty.mkdir()
    result = _ensure_tools(tmp_path, chromium, empty, java=java)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_java_is_found_on_path(tmp_path):
    chromium = _executable(tmp_path / "chromium")
    path = tmp_path / "bin"
    path.mkdir()
    _executable(path / "java")
    result = _ensure_tools(tmp_path, chromium, path, java="java")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("has_chromium", "has_java", "packages"),
    [
        (False, True, "chromium fonts-dejavu-core"),
        (True, False, "default-jre-headless"),
        (False, False, "chromium fonts-dejavu-core default-jre-headless"),
    ],
)
def test_without_a_tool_or_apt_get_it_stops_with_one_line_saying_what_to_install(
    tmp_path, has_chromium, has_java, packages
):
    empty = tmp_path / "bin"  # a PATH without apt-get: the script's checks are shell builtins
    empty.mkdir()
    chromium = _executable(tmp_path / "chromium") if has_chromium else tmp_path / "no-chromium"
    java = _executable(tmp_path / "java") if has_java else None
    result = _ensure_tools(tmp_path, chromium, empty, java=java)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("make test needs Debian's chromium")
    assert lines[0].endswith(f"install the packages {packages}")


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
        result = _ensure_tools(folder, folder / "no-chromium", fake_bin, as_user=65534 if os.geteuid() == 0 else None)
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 1
    assert result.stderr == (
        "make test needs the browser journeys' tools: "
        "sudo apt-get install chromium fonts-dejavu-core default-jre-headless\n"
    )
