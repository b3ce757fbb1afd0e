#!/usr/bin/env bash
# Installs Debian's chromium for the report's browser test (test/operate/report-browser.test.ts).
# Idempotent: does nothing when /usr/bin/chromium exists. Never fails the CI: without apt, root or
# network it says so, and the browser test skips with a line naming this script.
set -u
if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium is there ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; the report browser test will be skipped"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-chromium: not root and no password-less sudo; the report browser test will be skipped"
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq -o Acquire::Retries=2 -o Acquire::http::Timeout=20 \
  && $SUDO apt-get install -y -qq chromium; then
  echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
else
  echo "install-chromium: apt could not install chromium (offline or no such package); the report browser test will be skipped"
fi
exit 0
