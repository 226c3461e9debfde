#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium: the explorer's browser test (tests/test_explore_browser.py)
# drives it with Playwright for Python. Playwright's own browser download (`playwright install`) is not used, so
# nothing is fetched from outside the package registries.
#  - present: nothing to do;
#  - missing, running as root with apt-get: install Debian's package `chromium` (about 16 s);
#  - otherwise: print what to do and exit 1 (the test fails loudly rather than being skipped).
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "chromium: present ($CHROMIUM)"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium: installing Debian package chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  if [ -x "$CHROMIUM" ]; then
    echo "chromium: ready ($CHROMIUM)"
    exit 0
  fi
  echo "chromium: apt-get install chromium finished but $CHROMIUM is missing" >&2
  exit 1
fi
cat >&2 <<MSG
chromium: $CHROMIUM not found; the explorer's browser test needs it.
  On Debian/Ubuntu run as root:  apt-get install -y chromium
  (or: sudo bash scripts/get-browser.sh). Playwright's own browser download is not used.
MSG
exit 1
