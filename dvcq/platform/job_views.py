"""A job's status, as JSON for the progress component that polls it and as a page of its own."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import login_required

from dvcq.platform.jobs import JobRecord
from dvcq.platform.tenancy import get_or_404

bp = Blueprint("jobs", __name__)


@bp.route("/cong-viec/<job_id>")
@login_required
def status(job_id: str):
    record = get_or_404(JobRecord, job_id)
    return jsonify(record.as_dict())


@bp.route("/cong-viec/<job_id>/xem")
@login_required
def page(job_id: str):
    record = get_or_404(JobRecord, job_id)
    return render_template("platform/job.html", job=record)
