"""RQ's cron configuration: `rq cron dvcq.platform.rq_cron --url $REDIS_URL` enqueues the tick every 15 minutes on
the default queue, where `rq worker --with-scheduler` runs it."""

from rq import cron

from dvcq.platform import queues
from dvcq.platform.schedule import TICK_SECONDS, tick

cron.register(tick, queues.DEFAULT, interval=TICK_SECONDS, job_timeout=600, name="dvcq-tick")
