#!/usr/bin/env bash
# The test command: installs the project into .venv, runs the suite on SQLite, then again on PostgreSQL and a
# real Redis when DVCQ_TEST_DATABASE_URL / DVCQ_TEST_REDIS_URL are set. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv || exit 1
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' || exit 1

header() {
  printf '\n==== %s ====\n\n' "$1"
}

failed=0
run_suite() {  # label, then env assignments for `env`
  local label=$1
  shift
  header "$label"
  env "$@" .venv/bin/python -m pytest "${pytest_args[@]}"
  local status=$?
  # Exit 5 means no tests were collected: that is a failure too.
  if [ "$status" -ne 0 ]; then
    echo "FAILED ($label): pytest exited with $status"
    failed=1
  fi
}

pytest_args=("$@")
run_suite "Tests on SQLite (in-process jobs, fake Redis)" -u DVCQ_TEST_DATABASE_URL -u DVCQ_TEST_REDIS_URL

if [ -n "${DVCQ_TEST_DATABASE_URL:-}" ] || [ -n "${DVCQ_TEST_REDIS_URL:-}" ]; then
  run_suite "Tests on ${DVCQ_TEST_DATABASE_URL:-SQLite}${DVCQ_TEST_REDIS_URL:+ with Redis at $DVCQ_TEST_REDIS_URL}"
fi

if [ "$failed" -ne 0 ]; then
  header "Some test runs failed"
  exit 1
fi
header "All test runs passed"
