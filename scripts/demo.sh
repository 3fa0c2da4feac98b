#!/usr/bin/env bash
# README command one: installs what is missing, then starts galera-warden on the embedded default:
# a local 3-node MariaDB Galera sandbox and its live status.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
exec node dist/src/cli/main.js demo "$@"
