#!/usr/bin/env bash
# `npm run bench`: galera-warden against a real 3-node Galera sandbox, side by side with HAProxy
# (fail-over after SIGKILL / SIGSTOP of the writer, and data-path throughput). Never part of `npm test`.
# Installs what is missing (MariaDB Galera, HAProxy, npm packages), builds, then runs dist/bench/main.js.
# Usage: npm run bench -- [--quick] [--rounds N] [--only failover,throughput,fencing,scheduler,proxysql-failover,peers-failover,nodes,soak,proxy-cost] [--faults kill,freeze] [--minutes N] [--help]
# Needs root (the sandbox runs its nodes as root); uses ports 26000-26999; results in bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
exec node dist/bench/main.js "$@"
