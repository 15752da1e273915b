"""Background jobs: a JobRecord row is the truth about a job (status, progress, result, error); RQ only carries it.

With REDIS_URL set, `enqueue` puts the job on a real RQ queue for `rq worker --with-scheduler`; without it the job
runs in a thread of the web process (the demo), or inline when JOBS_INLINE is set (tests). Job functions receive ids,
never ORM objects, run under the scope stored on the record, and must be idempotent: RQ delivers at least once.
"""

from __future__ import annotations

import json
import threading
import traceback
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dvcq.platform import clock, queues, registry
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, TenantScoped, scoped

JOB_TIMEOUT = 1800  # seconds RQ lets a job run


class JobStatus:
    QUEUED = "queued"
    DELAYED = "delayed"  # the queue could not be reached; `dvcq jobs requeue` or the next enqueue retries
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


STATUS_LABELS = {
    JobStatus.QUEUED: "Đang chờ xử lý",
    JobStatus.DELAYED: "Tạm hoãn — hàng đợi chưa sẵn sàng, sẽ tự chạy lại",
    JobStatus.RUNNING: "Đang xử lý",
    JobStatus.FINISHED: "Đã xong",
    JobStatus.FAILED: "Không thành công",
}


class JobRecord(TenantScoped, db.Model):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    queue: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    kwargs: Mapped[str] = mapped_column(Text, default="{}")
    result: Mapped[str] = mapped_column(Text, default="null")
    error: Mapped[str] = mapped_column(Text, default="")
    scope_authority_id: Mapped[int | None] = mapped_column(Integer)
    scope_unit_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def result_data(self):
        return json.loads(self.result or "null")

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "status_label": self.status_label,
            "progress": self.progress,
            "message": self.message,
            "result": self.result_data,
            "error": self.error,
            "done": self.status in (JobStatus.FINISHED, JobStatus.FAILED),
        }


class JobContext:
    """What a job function gets besides its ids: progress reporting and the record."""

    def __init__(self, record: JobRecord):
        self.record = record

    def progress(self, percent: int, message: str = "") -> None:
        self.record.progress = max(0, min(100, int(percent)))
        if message:
            self.record.message = message[:300]
        db.session.commit()


def job_for(user, job_id: str) -> JobRecord | None:
    """A job `user` may follow, or None (answered as a missing job, byte for byte): through the tenancy guard (a
    unit's users see their unit's jobs, the authority's staff its own and its units'), and for an appraiser only the
    jobs they started themselves — their scope is the whole authority, yet they see only the units assigned to them,
    and a job's title, progress and result (an export of the unpublished ranking, a draft decision's preview) belong to
    whoever started it and to the secretariat, leadership and administrators."""
    from dvcq.platform.auth.models import Role

    record = db.session.execute(db.select(JobRecord).where(JobRecord.id == str(job_id))).scalar_one_or_none()
    if record is None or (user.role == Role.APPRAISER and record.created_by_id != user.id):
        return None
    return record


def enqueue(
    name: str,
    *,
    scope: Scope,
    unit_id: int,
    actor=None,
    title: str = "",
    queue: str = queues.DEFAULT,
    **kwargs,
) -> JobRecord:
    """Record the job and hand it to the queue. Commits the record first so a worker always finds it."""
    if name not in registry.of().jobs:
        raise KeyError(f"unknown job {name}: no area registered it")
    record = JobRecord(
        id=uuid.uuid4().hex,
        name=name,
        queue=queue,
        title=title,
        unit_id=unit_id,
        kwargs=json.dumps(kwargs, ensure_ascii=False),
        scope_authority_id=scope.authority_id,
        scope_unit_id=scope.unit_id,
        created_by_id=getattr(actor, "id", None),
        created_at=clock.now(),
    )
    db.session.add(record)
    db.session.commit()
    dispatch(record)
    return record


def dispatch(record: JobRecord) -> None:
    app = current_app._get_current_object()
    if app.config.get("JOBS_INLINE"):
        run_job(record.id, reraise=False)
        db.session.refresh(record)
        return
    if not app.config.get("REDIS_URL"):
        threading.Thread(target=_run_in_app, args=(app, record.id), daemon=True).start()
        return
    try:
        from rq import Queue, Retry

        Queue(record.queue, connection=redis_connection(app)).enqueue(
            "dvcq.worker.run_job",  # the worker's entry creates the app, then calls run_job below
            record.id,
            job_id=record.id,
            retry=Retry(max=2, interval=[10, 60]),
            job_timeout=JOB_TIMEOUT,
            failure_ttl=7 * 86400,
        )
    except Exception as err:  # Redis away: the record stays, marked delayed, and is requeued later
        app.logger.warning("job %s delayed: %s", record.id, err)
        record.status = JobStatus.DELAYED
        record.message = "Hàng đợi tạm thời không sẵn sàng; công việc sẽ được chạy lại tự động."
        db.session.commit()


def redis_connection(app):
    from redis import Redis

    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def requeue_delayed() -> int:
    """Hand delayed jobs to the queue again (run by `dvcq jobs requeue` and by the worker's schedule); returns how
    many reached the queue."""
    from sqlalchemy import select

    records = (
        db.session.execute(
            select(JobRecord).where(JobRecord.status == JobStatus.DELAYED).execution_options(all_tenants=True)
        )
        .scalars()
        .all()
    )
    handed = 0
    for record in records:
        record.status = JobStatus.QUEUED
        db.session.commit()
        dispatch(record)
        handed += record.status != JobStatus.DELAYED  # still away: it stays delayed for the next try
    return handed


INTERRUPTED = (
    "Công việc bị gián đoạn (tiến trình xử lý dừng đột ngột) và không được chạy lại. Vui lòng thực hiện lại thao tác."
)
RETRYING = "Công việc bị gián đoạn và đang được chạy lại."


def sweep_interrupted(now: datetime | None = None) -> dict[str, int]:
    """Reconcile records with what RQ knows, for jobs whose worker died (killed, out of memory, machine restarted).

    RQ's own cleanup (`StartedJobRegistry.cleanup`) first retries an abandoned job if it has retries left, otherwise
    moves it to the failed registry; then a record still `running` whose RQ job is failed, gone, or older than its
    timeout becomes `failed` with the reason; one whose RQ job waits for a retry goes back to `queued`; a `queued`
    record whose RQ job vanished (Redis restarted empty) is handed to the queue again. Idempotent."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.job import JobStatus as RQStatus
    from rq.registry import StartedJobRegistry
    from sqlalchemy import select

    app = current_app._get_current_object()
    counts = {"failed": 0, "retrying": 0, "redispatched": 0}
    if not app.config.get("REDIS_URL") or app.config.get("JOBS_INLINE"):
        return counts
    now = now or clock.now()
    conn = redis_connection(app)
    for name in queues.ALL:
        StartedJobRegistry(name, connection=conn).cleanup()
    records = (
        db.session.execute(
            select(JobRecord)
            .where(JobRecord.status.in_((JobStatus.RUNNING, JobStatus.QUEUED)))
            .execution_options(all_tenants=True)
        )
        .scalars()
        .all()
    )
    for record in records:
        try:
            rq_status = Job.fetch(record.id, connection=conn).get_status()
        except NoSuchJobError:
            rq_status = None
        if record.status == JobStatus.QUEUED:
            if rq_status is None and (now - record.created_at).total_seconds() > 60:
                dispatch(record)
                counts["redispatched"] += 1
            continue
        overdue = record.started_at is not None and (now - record.started_at).total_seconds() > JOB_TIMEOUT + 60
        if rq_status in (RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED) and not overdue:
            record.status, record.message = JobStatus.QUEUED, RETRYING
            counts["retrying"] += 1
        elif rq_status in (None, RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED) or overdue:
            record.status, record.finished_at, record.error = JobStatus.FAILED, now, INTERRUPTED
            counts["failed"] += 1
            current_app.logger.warning("job %s interrupted (RQ status %s)", record.id, rq_status)
        db.session.commit()
    return counts


def _run_in_app(app, record_id: str) -> None:
    with app.app_context():
        run_job(record_id)


def run_job(record_id: str, reraise: bool = True) -> None:
    """Run one recorded job, in an app context (`dvcq.worker.run_job` gives RQ's worker one). Safe to call again: a
    finished job is not run twice. Under RQ the error is raised again so RQ's retry applies; in-process the record
    alone tells the user."""
    with scoped(SYSTEM):  # the runner's own bookkeeping; the job itself runs in the record's scope
        _run(record_id, reraise)


def _run(record_id: str, reraise: bool) -> None:
    from sqlalchemy import select

    record = db.session.execute(
        select(JobRecord).where(JobRecord.id == record_id).execution_options(all_tenants=True)
    ).scalar_one_or_none()
    if record is None or record.status == JobStatus.FINISHED:
        return
    record.status, record.started_at, record.attempts = JobStatus.RUNNING, clock.now(), record.attempts + 1
    record.error = ""
    db.session.commit()
    scope = Scope(authority_id=record.scope_authority_id, unit_id=record.scope_unit_id)
    try:
        with scoped(scope):
            result = registry.of().jobs[record.name](JobContext(record), **json.loads(record.kwargs))
    except Exception as err:
        db.session.rollback()
        current_app.logger.error("job %s failed: %s", record_id, traceback.format_exc())
        record = db.session.execute(
            select(JobRecord).where(JobRecord.id == record_id).execution_options(all_tenants=True)
        ).scalar_one()
        record.status, record.finished_at = JobStatus.FAILED, clock.now()
        record.error = getattr(err, "message", None) or f"Lỗi khi xử lý: {err}"
        db.session.commit()
        if reraise:
            raise
        return
    record.status, record.progress, record.finished_at = JobStatus.FINISHED, 100, clock.now()
    record.result = json.dumps(result, ensure_ascii=False)
    db.session.commit()


SELFTEST_JOB = "platform.selftest"


def selftest(ctx: JobContext, steps: int = 3, fail: bool = False):
    """A tiny job the test suite and `dvcq jobs selftest` use to prove the queue works end to end."""
    for i in range(steps):
        ctx.progress(int((i + 1) * 100 / steps), f"Bước {i + 1}/{steps}")
    if fail:
        from dvcq.platform.errors import ServiceError

        raise ServiceError("Công việc thử nghiệm được yêu cầu thất bại.")
    return {"steps": steps}
