#!/usr/bin/env bash
# Every benchmark of bench/, in one command, with its own PostgreSQL, Redis and nginx: the report goes to
# bench/results/<date>.md (machine, load average before and after, each figure next to its target: met / missed).
#
#   bash bench/run_all.sh            # full sizes, as issues 9 and 19 set them (an hour or more on 2 cores)
#   bash bench/run_all.sh --quick    # every benchmark at small sizes, a few minutes: bench/results/<date>-quick.md
#   bash bench/run_all.sh --tiny     # the smallest sizes (tests/bench/test_run_all.py), results in --out's folder
#   options: --out DIR (default bench/results), --only name,name (e.g. --only deadline_day,slow_lines), --keep,
#            --reuse-services (the PostgreSQL and Redis of DVCQ_BENCH_DATABASE_URL / _REDIS_URL, the country kept)
#
# Services, as .ci/run starts them: a throwaway PostgreSQL cluster (fsync off) and a Redis, data under /tmp, on
# loopback ports DVCQ_BENCH_PG_PORT (5488) and DVCQ_BENCH_REDIS_PORT (6388) — not CI's 5499/6390 nor the dev ones
# 5433/6391; a free port instead if one is taken. nginx runs deploy/nginx.conf.example the way
# tests/platform/test_nginx_example.py does (bench/stack.py). Each benchmark's output goes to the work folder's logs/
# and its figures to figures.jsonl (bench/figures.py); bench/report.py writes the report. Exit status: 1 when a
# benchmark could not run (crashed, or its checks — nothing lost, files intact — failed); a missed timing target is
# reported, not an error. Needs: PostgreSQL, redis-server, nginx, openssl, chromium (apt), the project's .venv.
set -uo pipefail
cd "$(dirname "$0")/.."

MODE=full
OUT=bench/results
ONLY=
KEEP=
REUSE=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --tiny) MODE=tiny ;;
    --out) OUT=$2 && shift ;;
    --only) ONLY=$2 && shift ;;
    --keep) KEEP=1 ;;
    --reuse-services) REUSE=1 ;;
    -h | --help) sed -n '2,15p' "$0" && exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2 && exit 2 ;;
  esac
  shift
done

PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || { echo "$PY is missing: python3 -m venv .venv && .venv/bin/pip install -e '.[test]'" >&2 && exit 2; }
PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")
STARTED=$(date '+%Y-%m-%d %H:%M')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/dvcq-bench-all.XXXXXX)
mkdir -p "$WORK/logs"
export DVCQ_BENCH_FIGURES=$WORK/figures.jsonl
: >"$DVCQ_BENCH_FIGURES"

step() { printf '\n==== [run_all %ss] %s ====\n' "$SECONDS" "$1"; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_taken() { "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $1)) != 0)"; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd /tmp && su postgres -c "$1"); else (cd /tmp && bash -c "$1"); fi
}

# -- sizes ---------------------------------------------------------------------------------------------------------
case "$MODE" in
  full)
    HASH_ROUNDS=30 ENGINE_SIZES=19,3321 ENGINE_REPEAT=3
    PROVINCE=(--scale province) PAGES=(--users 50 --seconds 10 --warmup 2) UPLOAD_MB=100
    COUNTRY=(--scale country) LOAD=(60s 100 4)
    DEADLINE=(--communes 100 --officers 3 --leaves 100 --seconds 300 --login-window 60) HUMAN=(--think 5,15)
    NATION=(--provinces 34 --communes 3321 --years 5 --users 100 --warmup 20 --seconds 60 --human-think 10)
    SLOW=(--communes 100 --years 5 --repeat 3) MANY=(--uploads 20 --mb 20)
    ;;
  quick)
    HASH_ROUNDS=5 ENGINE_SIZES=19,300 ENGINE_REPEAT=1
    PROVINCE=(--scale province --communes 20 --years 2) PAGES=(--users 10 --seconds 3 --warmup 1) UPLOAD_MB=20
    COUNTRY=(--scale country --communes 300 --groups 4 --years 1) LOAD=(15s 20 2)
    DEADLINE=(--communes 10 --officers 3 --leaves 30 --seconds 30 --login-window 10) HUMAN=(--think 2,5)
    NATION=(--provinces 4 --communes 80 --years 2 --users 20 --warmup 5 --seconds 15 --repeat 1 --human-think 3
      --human-seconds 15)
    SLOW=(--communes 10 --years 2 --repeat 1) MANY=(--uploads 5 --mb 20)
    ;;
  tiny)
    HASH_ROUNDS=2 ENGINE_SIZES=5 ENGINE_REPEAT=1
    PROVINCE=(--scale province --communes 3 --years 1 --evidence-per-unit 1 --tasks-per-plan 1)
    PAGES=(--users 2 --seconds 0.5 --warmup 0 --workers 1) UPLOAD_MB=1
    COUNTRY=(--scale country --communes 4 --groups 2 --years 1 --evidence-per-unit 1 --tasks-per-plan 1)
    LOAD=(4s 2 1)
    DEADLINE=(--communes 2 --officers 2 --leaves 5 --seconds 6 --login-window 1 --web-concurrency 2)
    HUMAN=(--think 0.5,1)
    NATION=(--provinces 2 --communes 4 --years 1 --users 4 --warmup 0 --seconds 3 --repeat 1 --web-concurrency 2
      --human-think 1 --human-seconds 2)
    SLOW=(--communes 2 --years 1 --repeat 1 --web-concurrency 2) MANY=(--uploads 2 --mb 1 --web-concurrency 2)
    ;;
esac

# -- PostgreSQL and Redis, as .ci/run starts them --------------------------------------------------------------------
# --reuse-services: the PostgreSQL and Redis of DVCQ_BENCH_DATABASE_URL / DVCQ_BENCH_REDIS_URL instead (left running),
# and the country of an earlier run kept (country_scale --reuse: its build alone takes ~6 min at full size).
if [ -n "$REUSE" ]; then
  [ -n "${DVCQ_BENCH_DATABASE_URL:-}" ] && [ -n "${DVCQ_BENCH_REDIS_URL:-}" ] ||
    { echo "--reuse-services needs DVCQ_BENCH_DATABASE_URL and DVCQ_BENCH_REDIS_URL" >&2 && exit 2; }
  NATION+=(--reuse)
  stop_services() {
    local status=$?
    if [ -n "$KEEP" ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
    echo "Exit status $status after ${SECONDS}s"
    exit "$status"
  }
  trap stop_services EXIT
  trap 'exit 130' INT TERM
  step "PostgreSQL $DVCQ_BENCH_DATABASE_URL and Redis $DVCQ_BENCH_REDIS_URL (given, left running)"
else
  PGBIN=$(pg_bin)
  [ -n "$PGBIN" ] || { echo "PostgreSQL is missing (apt-get install postgresql)" >&2 && exit 2; }
  command -v redis-server >/dev/null || { echo "redis-server is missing (apt-get install redis-server)" >&2 && exit 2; }
  PG_PORT=${DVCQ_BENCH_PG_PORT:-5488}
  REDIS_PORT=${DVCQ_BENCH_REDIS_PORT:-6388}
  port_taken "$PG_PORT" && PG_PORT=$(free_port)
  port_taken "$REDIS_PORT" && REDIS_PORT=$(free_port)
  PGDATA=$(mktemp -d /tmp/dvcq-bench-pg.XXXXXX)
  REDIS_DIR=$(mktemp -d /tmp/dvcq-bench-redis.XXXXXX)

  stop_services() {
    local status=$?
    step "Stopping our PostgreSQL and Redis"
    if [ -f "$REDIS_DIR/redis.pid" ]; then kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true; fi
    if [ -f "$PGDATA/postmaster.pid" ]; then as_postgres "$PGBIN/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null || true; fi
    rm -rf "$PGDATA" "$REDIS_DIR"
    if [ -n "$KEEP" ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
    echo "Exit status $status after ${SECONDS}s"
    exit "$status"
  }
  trap stop_services EXIT
  trap 'exit 130' INT TERM

  step "Redis on 127.0.0.1:$REDIS_PORT, PostgreSQL ($PGBIN) on 127.0.0.1:$PG_PORT, data under /tmp"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
  as_postgres "$PGBIN/initdb -D $PGDATA -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync" >/dev/null || exit 1
  if ! as_postgres "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/log -w \
    -o '-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' start" >/dev/null; then
    cat "$PGDATA/log" >&2
    exit 1
  fi
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.2
  done
  export DVCQ_BENCH_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  export DVCQ_BENCH_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi
PROVINCE_URL="${DVCQ_BENCH_DATABASE_URL%/*}/dvcq_bench_province"
COUNTRY_URL="sqlite:///$WORK/country.sqlite3"

# -- the benchmarks --------------------------------------------------------------------------------------------------
failed=0
wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
run() { # name, command…: output to logs/<name>.log (and its last lines here), time and exit status to runs.tsv
  local name=$1
  shift
  wanted "$name" || return 0
  step "$name: $*"
  local start=$SECONDS status=0
  "$@" >"$WORK/logs/$name.log" 2>&1 || status=$?
  grep -v '^INFO ' "$WORK/logs/$name.log" | tail -n 25
  printf '%s\t%s\t%s\n' "$name" "$status" "$((SECONDS - start))" >>"$WORK/runs.tsv"
  [ "$status" = 0 ] || { echo "!! $name exited with $status" && failed=1; }
}
data() { # name, command…: a data set the next benchmarks need (its log, no line in the report)
  local name=$1
  shift
  step "data: $name"
  "$@" >"$WORK/logs/data-$name.log" 2>&1 || { tail -n 20 "$WORK/logs/data-$name.log" && failed=1 && return 1; }
  grep -v '^INFO ' "$WORK/logs/data-$name.log" | tail -n 3
}

run password_hash "$PY" bench/password_hash.py --rounds "$HASH_ROUNDS"
run results_engine "$PY" bench/results_engine.py --sizes "$ENGINE_SIZES" --repeat "$ENGINE_REPEAT"
if wanted pages_load || wanted upload || wanted page_weight; then
  if data province "$PY" bench/generate.py --pg "${PROVINCE[@]}"; then
    run pages_load "$PY" bench/pages_load.py --database-url "$PROVINCE_URL" "${PAGES[@]}"
    run upload "$PY" bench/upload.py --database-url "$PROVINCE_URL" --mb "$UPLOAD_MB"
    run page_weight "$PY" bench/page_weight.py --database-url "$PROVINCE_URL"
  fi
fi
if wanted documents && data country "$PY" bench/generate.py --url "$COUNTRY_URL" "${COUNTRY[@]}"; then
  run documents "$PY" bench/documents.py --database-url "$COUNTRY_URL"
fi
# the earlier load run (SQLite, gunicorn without nginx), with the built-in client
run load_sqlite env -u DVCQ_BENCH_DATABASE_URL PY="$PY" DVCQ_LOAD_WORK="$WORK/load" DVCQ_LOAD_FIGURES=load_sqlite \
  bash bench/load/run.sh "${LOAD[@]}"
# issue 19
run deadline_day "$PY" bench/deadline_day.py "${DEADLINE[@]}"
run deadline_day_human "$PY" bench/deadline_day.py "${DEADLINE[@]}" "${HUMAN[@]}" --name deadline_day_human
run country_scale "$PY" bench/country_scale.py "${NATION[@]}"
run slow_lines "$PY" bench/slow_lines.py "${SLOW[@]}"
run concurrent_uploads "$PY" bench/concurrent_uploads.py "${MANY[@]}"

# -- the report ------------------------------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
case "$MODE" in full) name=$(date +%F) ;; *) name="$(date +%F)-$MODE" ;; esac
command="bash bench/run_all.sh"
[ "$MODE" = full ] || command="$command --$MODE"
step "report"
"$PY" bench/report.py --work "$WORK" --mode "$MODE" --started "$STARTED" --load-before "$LOAD_BEFORE" \
  --load-after "$LOAD_AFTER" --command "$command" --out "$OUT/$name.md" || failed=1
exit $failed
