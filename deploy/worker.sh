#!/usr/bin/env bash
# The RQ worker for every DVCQ queue (order of dvcq/platform/queues.py ALL: documents first), with RQ's own
# scheduler for retries and delayed jobs. Needs the same environment as the web process (DATABASE_URL, REDIS_URL…):
# jobs create the app from it. Run several copies for more throughput (systemd/dvcq-worker@.service).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REDIS_URL:?REDIS_URL must point at the Redis the web process uses}"
exec rq worker --with-scheduler --url "$REDIS_URL" dvcq-documents dvcq-imports dvcq-notifications dvcq-default
