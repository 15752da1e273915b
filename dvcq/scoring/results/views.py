"""The results pages: the years, a year's table per group (sortable), a unit's result with its breakdown and what-if
answers, recomputation, and the .xlsx exports (direct up to 200 units, a job with progress above)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from dvcq.platform import jobs
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import AUTHORITY_STAFF, roles_required
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import current_scope
from dvcq.scoring import engine
from dvcq.scoring.results import cache as results_cache
from dvcq.scoring.results import exports, past, template
from dvcq.scoring.results.access import authority_of, is_staff, reads_year, sees_unpublished
from dvcq.scoring.results.compute import COMPUTE_ROLES, compute_year
from dvcq.scoring.results.forms import YearDecisionForm
from dvcq.scoring.results.queries import unit_page, year_table, years
from dvcq.scoring.results.whatif import describe_what_if

bp = Blueprint(
    "results",
    __name__,
    url_prefix="/ket-qua",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/results",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Kết quả", "results.index", tuple(Role)),)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user():
    return current_user._get_current_object()


def home_cards(user):
    entries = years(user)
    if not entries:
        return []
    latest = entries[0]
    if is_staff(user):
        body = f"Năm {latest.year}: {latest.label}."
    elif latest.own is not None and latest.own.appraised_total is not None:
        body = f"Năm {latest.year}: điểm thẩm định {engine.format_points(latest.own.appraised_total)}."
    else:
        body = f"Năm {latest.year}: {latest.label}."
    return [
        {
            "title": "Kết quả đánh giá",
            "body": body,
            "link": url_for("results.index"),
            "link_text": "Xem kết quả",
        }
    ]


@bp.route("/")
@login_required
def index():
    user = _user()
    return render_template(
        "results/index.html",
        entries=years(user),
        staff=is_staff(user),
        unit=user.unit,
        offers_template=past.may_record(user),
    )


@bp.route("/tep-mau-ket-qua-cac-nam-truoc")
@roles_required(*past.MANAGERS)
def past_results_template():
    data = template.template_workbook()
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=template.TEMPLATE_NAME)


@bp.route("/<int:year>")
@login_required
def year(year: int):
    return _year_page(year)


def _year_page(year: int, *, form: YearDecisionForm | None = None, refusal: ServiceError | None = None):
    """The year's table; for an imported year, the secretariat's form of its decision (as sent back when refused)."""
    user = _user()
    staff = is_staff(user)
    authority_id = authority_of(user)
    page = results_cache.year_page(
        authority_id,
        year,
        staff=staff,
        unpublished=sees_unpublished(user),
        load=lambda: year_table(authority_id, year, staff=staff),
    )
    if page is None:
        abort(404)
    can_compute = user.role in COMPUTE_ROLES and page.campaign_published is False
    decision = None
    if page.campaign_name is None and past.may_record(user):
        decision = past.year_decision(authority_id, year)
    if decision is not None and form is None:
        form = YearDecisionForm(
            formdata=None, data={"seen": decision.seen, "number": decision.number, "signed_on": vn_date(decision.day)}
        )
    if refusal is not None and decision is not None:
        if refusal.status == 409:  # the page now shows what is stored: saving again is a choice made seeing it
            form.seen.data = decision.seen
        for name, message in getattr(refusal, "fields", {}).items():
            form[name].errors = [message]
    html = render_template(
        "results/year.html",
        page=page,
        body=page.body(user.unit_id),
        staff=staff,
        can_compute=can_compute,
        kinds=(exports.KIND_RESULTS, exports.KIND_ITEMS),
        decision=decision,
        decision_form=form if decision is not None else None,
        refusal=refusal,
    )
    return html, refusal.status if refusal is not None else 200


@bp.route("/<int:year>/quyet-dinh", methods=["POST"])
@roles_required(*past.MANAGERS)
def record_decision(year: int):
    form = YearDecisionForm()
    try:
        done = past.record_decision(_user(), year, form.number.data, form.signed_on.data, form.seen.data)
    except ServiceError as err:
        if err.status not in (400, 409):
            raise
        db.session.rollback()
        return _year_page(year, form=form, refusal=err)
    flash(f"Đã ghi {done.text} cho kết quả năm {year} ({len(done.ids)} đơn vị).", "success")
    return redirect(url_for("results.year", year=year))


@bp.route("/<int:year>/don-vi/<int:unit_id>")
@login_required
def unit(year: int, unit_id: int):
    page = unit_page(_user(), year, unit_id)
    if page is None:
        abort(404)
    sentences = describe_what_if(page.answer) if page.answer else []
    return render_template("results/unit.html", page=page, sentences=sentences, staff=is_staff(_user()))


@bp.route("/<int:year>/tinh-lai", methods=["POST"])
@roles_required(*COMPUTE_ROLES)
def compute(year: int):
    done = compute_year(_user(), year)
    flash(
        f"Đã tính kết quả năm {year}: {done.units} đơn vị, {done.ranked} đơn vị đã có điểm thẩm định đầy đủ.", "success"
    )
    return redirect(url_for("results.year", year=year))


# Each export's name in its address, in Vietnamese (/xuat/bang-ket-qua); the English names of the first version are
# still read, for a page opened before the change.
EXPORT_KINDS = {
    "bang-ket-qua": exports.KIND_RESULTS,
    "diem-tung-tieu-chi": exports.KIND_ITEMS,
    exports.KIND_RESULTS: exports.KIND_RESULTS,
    exports.KIND_ITEMS: exports.KIND_ITEMS,
}


@bp.route("/<int:year>/xuat/<kind>", methods=["POST"])
@roles_required(*AUTHORITY_STAFF)
def export(year: int, kind: str):
    kind = EXPORT_KINDS.get(kind)
    if kind is None:
        abort(404)
    user = _user()
    authority_id = authority_of(user)
    if not reads_year(user, authority_id, year):
        abort(404)  # the unpublished ranking is the board's only: as missing as a year without results
    count = exports.unit_count(authority_id, year, kind)
    if count == 0:
        abort(404)
    name = exports.file_name(kind, year)
    if count <= exports.DIRECT_LIMIT:
        data = exports.build(authority_id, year, kind)
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)
    record = jobs.enqueue(
        exports.JOB_NAME,
        scope=current_scope(),
        unit_id=authority_id,
        actor=user,
        title=f"Xuất tệp «{name}»",
        authority_id=authority_id,
        year=year,
        kind=kind,
    )
    return redirect(url_for("jobs.page", job_id=record.id))


@bp.route("/tai-ve/<job_id>")
@roles_required(*AUTHORITY_STAFF)
def download(job_id: str):
    record = jobs.job_for(_user(), job_id)
    if record is None:
        abort(404)
    result = record.result_data or {}
    if record.name != exports.JOB_NAME or record.status != jobs.JobStatus.FINISHED or "key" not in result:
        abort(404)
    try:
        stream = get_storage().open(result["key"])
    except FileNotFoundError:
        abort(404)
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=result["name"])
