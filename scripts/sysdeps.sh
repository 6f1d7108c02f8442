#!/usr/bin/env bash
# Usage: sysdeps.sh warn|require PACKAGE...
# Installs missing Debian packages when run as root; otherwise says exactly what to run.
set -euo pipefail
mode=$1; shift
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing system packages: ${missing[*]}" >&2
echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
if [ "$mode" = require ]; then exit 1; fi
echo "(continuing: PDFs will not render until they are installed)" >&2
