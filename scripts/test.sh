#!/usr/bin/env bash
# Runs every test: installs what is missing, builds from scratch, lints, then the unit tests and the
# integration tests (which start real Galera sandboxes; two test files at a time, each in its own port range,
# folder and netns subnet, so that waiting on Galera overlaps). Exit status is the
# tests': non-zero when any phase fails. Prints the wall time of each phase and of the whole run.
#
#   scripts/test.sh                the full run
#   scripts/test.sh --under-load   the same full run with two CPU hogs running beside it (started here,
#                                  stopped by pid on every exit path): proof that no test depends on speed
set -euo pipefail
cd "$(dirname "$0")/.."

under_load=0
for arg in "$@"; do
  case "$arg" in
    --under-load) under_load=1 ;;
    -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "scripts/test.sh: unknown argument \"$arg\" (try --help)" >&2; exit 2 ;;
  esac
done

hogs=()
stop_hogs() {
  local pid
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null || true; done
  hogs=()
}
trap stop_hogs EXIT
# a signal ends the run through exit, so that the EXIT trap stops the hogs
trap 'exit 130' INT
trap 'exit 143' TERM

run_started=$SECONDS
timings=()
failed=""
# phase NAME COMMAND...: runs one phase, records its wall time, remembers the first phase that failed
phase() {
  local name=$1 started=$SECONDS status=0
  shift
  echo "== $name"
  "$@" || status=$?
  timings+=("$(printf '%-12s %4d s%s' "$name" $((SECONDS - started)) "$([ "$status" -eq 0 ] || echo "  FAILED (exit $status)")")")
  if [ "$status" -ne 0 ] && [ -z "$failed" ]; then failed=$name; fi
  # interrupted (Ctrl-C, SIGTERM): no further phase
  if [ "$status" -eq 130 ] || [ "$status" -eq 143 ]; then summary; exit "$status"; fi
  return 0
}
summary() {
  echo
  echo "== wall time$([ "$under_load" -eq 1 ] && echo ' (under load: two CPU hogs)')"
  local t
  for t in "${timings[@]}"; do echo "  $t"; done
  printf '  %-12s %4d s\n' total $((SECONDS - run_started))
}

unit_tests() {
  node --test --test-reporter=spec --test-concurrency=2 $(find dist/src -name '*.test.js' | sort)
}
integration_tests() {
  local files
  files=$(find dist/test -name '*.test.js' | sort)
  if [ -z "$files" ]; then echo "no integration tests in dist/test" >&2; return 1; fi
  # every file has its own sandbox slot (ports, folder, subnet): two at a time never share a resource
  node --test --test-reporter=spec --test-concurrency=2 $files
}

# a clean build: no compiled test of a source file that is gone
rm -rf dist
phase "deps+build" scripts/install-deps.sh
if [ -n "$failed" ]; then summary; exit 1; fi

if [ "$under_load" -eq 1 ]; then
  for _ in 1 2; do
    yes >/dev/null &
    hogs+=($!)
  done
  echo "== under load: CPU hogs running as pids ${hogs[*]}"
fi

phase lint npx eslint src test bench
phase unit unit_tests
phase integration integration_tests
stop_hogs
summary
if [ -n "$failed" ]; then
  echo "FAILED: $failed" >&2
  exit 1
fi
