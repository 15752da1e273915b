#!/usr/bin/env bash
# RQ's cron: enqueues the periodic tick (reminders, escalations, requeueing delayed jobs) every 15 minutes on the
# default queue, where the worker runs it (dvcq.cron.py). Run exactly one per deployment.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REDIS_URL:?REDIS_URL must point at the Redis the web process uses}"
exec rq cron --url "$REDIS_URL" dvcq.cron
