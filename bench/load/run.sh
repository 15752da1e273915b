#!/usr/bin/env bash
# The deadline rush, on loopback only: seed a province (100 communes, an officer each, a campaign open for
# self-assessment) in a throwaway SQLite file — or in PostgreSQL when DVCQ_BENCH_DATABASE_URL is set (an EMPTY
# database) —, start gunicorn on 127.0.0.1, run the officers for a bounded time with one user per commune, then
# check that nothing was lost (requests in flight at the end finish and are counted). The client is
# bench/load/client.py (no dependency); CLIENT=locust runs bench/load/locustfile.py with locust instead, as for the
# figures of 26/11/2026 (locust is not a project dependency: `pip install locust` next to $PY). gunicorn's keep-alive
# is raised to 30 s: with its default 2 s, a client reusing a connection just as gunicorn closes it gets "connection
# reset" (see bench/README.md); behind nginx, as in production, only nginx talks to gunicorn.
#
#   bash bench/load/run.sh [DURATION=60s] [USERS=100] [WORKERS=4]
#   DVCQ_LOAD_FIGURES=load_sqlite bash bench/load/run.sh …   # also record the figures for bench/run_all.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-60s}
USERS=${2:-100}
WORKERS=${3:-4}
PY=${PY:-.venv/bin/python}
CLIENT=${CLIENT:-builtin}
BIN=$(dirname "$PY")
WORK=${DVCQ_LOAD_WORK:-$(mktemp -d /tmp/dvcq-load.XXXXXX)}  # bench/run_all.sh gives a folder it removes afterwards
mkdir -p "$WORK"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

export DATABASE_URL=${DVCQ_BENCH_DATABASE_URL:-sqlite:///$WORK/dvcq.sqlite3}
export STORAGE_URL=file://$WORK/evidence
export SECRET_KEY=load-test-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Every simulated officer logs in from 127.0.0.1: lift the per-address login limit for the run (per account stays).
export LOGIN_LIMIT_PER_ADDRESS="100000 per minute"
export DVCQ_LOAD_USERS=$WORK/users.json DVCQ_LOAD_SENT=$WORK/sent.json

echo "== seeding $USERS communes into $DATABASE_URL"
"$PY" -m bench.load.seed --units "$USERS" --out "$DVCQ_LOAD_USERS" 2>&1 | grep -v '^INFO'

echo "== gunicorn on 127.0.0.1:$PORT ($WORKERS workers × 4 threads)"
"$BIN/gunicorn" --bind "127.0.0.1:$PORT" --workers "$WORKERS" --threads 4 --worker-class gthread \
  --keep-alive 30 --log-level warning --error-logfile "$WORK/gunicorn.log" "wsgi:app" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/dang-nhap" && break
  sleep 0.2
done

status=0
if [ "$CLIENT" = locust ]; then
  echo "== locust: $USERS users, $DURATION"
  "$BIN/locust" -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" -u "$USERS" -r 20 \
    -t "$DURATION" --stop-timeout 120 --only-summary --csv "$WORK/locust" --exit-code-on-error 1 2>&1 | tail -n 40 ||
    status=$?
else
  # the same arrival as locust's -r 20: 20 officers a second
  window=$(( (USERS + 19) / 20 ))
  "$PY" -m bench.load.client --base-url "http://127.0.0.1:$PORT" --users-file "$DVCQ_LOAD_USERS" \
    --sent "$DVCQ_LOAD_SENT" --seconds "${DURATION%s}" --login-window "$window" \
    ${DVCQ_LOAD_FIGURES:+--figures "$DVCQ_LOAD_FIGURES"} || status=$?
fi

echo "== checking that nothing was lost"
"$PY" -m bench.load.verify "$DVCQ_LOAD_USERS" "$DVCQ_LOAD_SENT" 2>&1 | grep -v '^INFO' || status=1
echo "== results in $WORK (gunicorn.log$([ "$CLIENT" = locust ] && echo ', locust_stats.csv'))"
exit $status
