#!/usr/bin/env bash
# The browser journeys (tests/e2e) drive Debian's chromium at /usr/bin/chromium; Playwright never
# downloads a browser of its own. `make browser` (a step of `make test`, and of .ci/run) calls this:
# chromium installed: nothing to do; missing and we may use apt-get (root): install it; otherwise
# stop with one line saying what to install.
#
# ENSURE_BROWSER_CHROMIUM changes the path looked at, for this script's own tests only: the
# journeys always launch /usr/bin/chromium (CHROMIUM in tests/e2e/conftest.py).
# The checks use shell builtins only, so the script also runs with an empty PATH.
set -euo pipefail

chromium="${ENSURE_BROWSER_CHROMIUM:-/usr/bin/chromium}"
packages=(chromium fonts-dejavu-core)

[ -x "$chromium" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "make test needs Debian's chromium at $chromium (the browser journeys launch it): install the packages ${packages[*]}" >&2
  exit 1
fi
if [ "$EUID" -ne 0 ]; then
  echo "make test needs Debian's chromium: sudo apt-get install ${packages[*]}" >&2
  exit 1
fi

echo "Installing Debian's chromium for the browser journeys: apt-get install ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${packages[@]}" >/dev/null

if [ ! -x "$chromium" ]; then
  echo "apt-get installed ${packages[*]} but $chromium is still missing" >&2
  exit 1
fi
