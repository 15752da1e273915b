"""A job's status, as JSON for the progress component that polls it and as a page of its own."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user, login_required

from dvcq.platform.jobs import JobRecord, job_for

bp = Blueprint("jobs", __name__)


@bp.route("/cong-viec/<job_id>")
@login_required
def status(job_id: str):
    return jsonify(_job(job_id).as_dict())


@bp.route("/cong-viec/<job_id>/xem")
@login_required
def page(job_id: str):
    return render_template("platform/job.html", job=_job(job_id))


def _job(job_id: str) -> JobRecord:
    record = job_for(current_user, job_id)
    if record is None:
        abort(404)
    return record
