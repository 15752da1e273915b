"""RQ's cron configuration: `rq cron dvcq.cron --url $REDIS_URL` enqueues the periodic tick every 15 minutes on the
default queue, where `rq worker --with-scheduler` runs it (`deploy/cron.sh`)."""

from rq import cron

from dvcq import worker
from dvcq.platform import queues
from dvcq.platform.schedule import TICK_SECONDS

cron.register(worker.tick, queues.DEFAULT, interval=TICK_SECONDS, job_timeout=600, name="dvcq-tick")
