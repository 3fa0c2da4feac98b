#!/usr/bin/env bash
# Installs what galera-warden needs on a fresh Debian machine: Debian packages (when missing),
# npm packages (npm ci, when node_modules is missing or stale), then builds with tsc.
# Usage: scripts/install-deps.sh [extra Debian packages...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(mariadb-server mariadb-client galera-4 rsync iproute2 openssl chromium haproxy "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/galera-warden-apt.log 2>&1 || {
    $SUDO apt-get update >>/tmp/galera-warden-apt.log 2>&1
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/galera-warden-apt.log 2>&1 || {
      echo "install-deps: apt-get install failed; see /tmp/galera-warden-apt.log" >&2
      tail -20 /tmp/galera-warden-apt.log >&2
      exit 1
    }
  }
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

npx tsc -p tsconfig.json
