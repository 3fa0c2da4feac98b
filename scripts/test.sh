#!/usr/bin/env bash
# Runs every test: installs what is missing, lints, builds, then the unit tests and the integration
# tests (which start real Galera sandboxes, one test file at a time). Exit status is the tests'.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== lint"
npx eslint src test
echo "== unit tests"
node --test --test-reporter=spec --test-concurrency=2 $(find dist/src -name '*.test.js' | sort)
if [ -n "$(find dist/test -name '*.test.js' 2>/dev/null)" ]; then
  echo "== integration tests (real MariaDB Galera sandboxes)"
  node --test --test-reporter=spec --test-concurrency=1 $(find dist/test -name '*.test.js' | sort)
fi
