#!/usr/bin/env bash
# Installs what galera-warden needs on a fresh Debian machine: Debian packages (when missing),
# npm packages (npm ci, when node_modules is missing or stale), then builds with tsc.
# Usage: scripts/install-deps.sh [extra Debian packages...]
set -euo pipefail
cd "$(dirname "$0")/.."

# etcd-server: the etcd store's tests start their own etcd (/usr/bin/etcd) on their own ports and data dirs
packages=(mariadb-server mariadb-client galera-4 rsync iproute2 openssl chromium haproxy etcd-server "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  # etcd-server's postinst starts a system etcd (init script or systemd unit) on 2379: keep it from starting
  # while installing (policy-rc.d 101 = "not allowed", honoured by invoke-rc.d and deb-systemd-invoke), and
  # disable it afterwards. A policy-rc.d that is already there (containers) is left alone.
  new_etcd=0
  for p in "${missing[@]}"; do [ "$p" = etcd-server ] && new_etcd=1; done
  own_policy=0
  if [ "$new_etcd" = 1 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# galera-warden install-deps.sh: no service starts while installing\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
    trap '[ "$own_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/galera-warden-apt.log 2>&1 || {
    $SUDO apt-get update >>/tmp/galera-warden-apt.log 2>&1
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/galera-warden-apt.log 2>&1 || {
      echo "install-deps: apt-get install failed; see /tmp/galera-warden-apt.log" >&2
      tail -20 /tmp/galera-warden-apt.log >&2
      exit 1
    }
  }
  if [ "$own_policy" = 1 ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
    own_policy=0
  fi
  if [ "$new_etcd" = 1 ]; then
    if [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now etcd.service >/dev/null 2>&1 || true
    else
      $SUDO update-rc.d etcd disable >/dev/null 2>&1 || true
      $SUDO invoke-rc.d etcd stop >/dev/null 2>&1 || true
    fi
    echo "install-deps: etcd-server installed; its system service is disabled (the tests start their own etcd)" >&2
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run build --silent
