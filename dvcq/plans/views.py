"""Plan pages: the unit's plan (targets, tasks, hand-overs), its period reports, the downloads, and the authority's
follow-up. Parse, call a service, render; a refusal is the platform's error page with every problem."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from dvcq.plans import documents, editing, handovers, monitoring, outcomes, reports, services
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, TaskKind, TaskStatus
from dvcq.platform import clock
from dvcq.platform.auth.models import Role
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import AUTHORITY_STAFF, UNIT_STAFF, roles_required
from dvcq.platform.tenancy import get_or_404
from dvcq.scoring.evidence import library as evidence_library

bp = Blueprint(
    "plans",
    __name__,
    url_prefix="/ke-hoach",
    template_folder="templates",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (
    ("Kế hoạch cải thiện", "plans.index", UNIT_STAFF),
    ("Theo dõi kế hoạch", "plans.follow_up", (Role.SECRETARIAT, Role.LEADERSHIP)),
)
STAFF_ROLES = (*UNIT_STAFF, *AUTHORITY_STAFF)


def home_cards(user) -> list[dict]:
    on = clock.today_in_vietnam()
    if user.role in UNIT_STAFF:
        plans = services.plans_of_unit(user.unit_id)
        if not plans:
            if services.latest_published(user.unit.authority_id) is None:
                return []
            return [
                {
                    "title": "Kế hoạch cải thiện",
                    "body": "Kết quả đánh giá đã công bố: lập kế hoạch khắc phục từ các tiêu chí bị trừ điểm.",
                    "link": url_for("plans.index"),
                    "link_text": "Lập kế hoạch",
                }
            ]
        plan = plans[0]
        period = reports.next_due(plan, on)
        body = f"Trạng thái: {plan.status.label}."
        if plan.status == PlanStatus.ACKNOWLEDGED and period is not None:
            state = reports.STATE_LABELS[reports.report_state(plan, period, on)]
            body += f" Báo cáo kỳ tới: {period.label}, hạn {vn_date(period.due_on(plan.year))} ({state})."
        return [
            {
                "title": f"Kế hoạch cải thiện năm {plan.year}",
                "body": body,
                "link": url_for("plans.show", plan_id=plan.id),
                "link_text": "Mở kế hoạch",
            }
        ]
    if user.role == Role.SECRETARIAT:
        plans = services.all_plans()
        waiting = sum(1 for p in plans if p.status == PlanStatus.SUBMITTED)
        late = sum(
            1
            for p in plans
            if p.status == PlanStatus.ACKNOWLEDGED
            for period in Period
            if reports.report_state(p, period, on) in ("late", "missing")
        )
        if not plans:
            return []
        return [
            {
                "title": "Kế hoạch cải thiện của các đơn vị",
                "body": f"{waiting} kế hoạch chờ tiếp nhận; {late} báo cáo nộp muộn hoặc quá hạn chưa nộp.",
                "link": url_for("plans.follow_up"),
                "link_text": "Theo dõi",
            }
        ]
    return []


def _plan(plan_id: int) -> ImprovementPlan:
    return get_or_404(ImprovementPlan, plan_id)


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    if current_user.role in AUTHORITY_STAFF:
        return redirect(url_for("plans.follow_up"))
    plans = services.plans_of_unit(current_user.unit_id)
    campaign = services.latest_published(current_user.unit.authority_id)
    can_draft = campaign is not None and all(p.year != campaign.year + 1 for p in plans)
    return render_template("plans/index.html", plans=plans, campaign=campaign, can_draft=can_draft)


@bp.route("/lap", methods=["POST"])
@roles_required(*UNIT_STAFF)
def draft():
    plan = editing.draft_plan(current_user, current_user.unit_id)
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int):
    plan = _plan(plan_id)
    on = clock.today_in_vietnam()
    levels = services.levels_of(plan)
    staff = services.users_of(plan.unit_id, *UNIT_STAFF)
    return render_template(
        "plans/plan.html",
        plan=plan,
        base=services.baseline(plan),
        areas=services.area_targets(plan),
        levels=list(levels),
        staff=staff,
        kinds=list(TaskKind),
        editable=current_user.unit_id == plan.unit_id and plan.status in services.EDITABLE,
        own=current_user.unit_id == plan.unit_id,
        periods=[(p, reports.report_state(plan, p, on), reports.report_of(plan, p)) for p in Period],
        labels=reports.STATE_LABELS,
        outcomes=outcomes.outcomes(plan),
        overdue={t.id for t in reports.overdue_tasks(plan, on)},
    )


def _area_form() -> dict:
    return {k: v for k, v in request.form.items()}


@bp.route("/<int:plan_id>/luu", methods=["POST"])
@roles_required(*UNIT_STAFF)
def save(plan_id: int):
    _plan(plan_id)
    editing.update_plan(current_user, plan_id, request.form.get("version"), _area_form())
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/nhiem-vu", methods=["POST"])
@roles_required(*UNIT_STAFF)
def add_task(plan_id: int):
    _plan(plan_id)
    editing.add_task(current_user, plan_id, request.form.get("version"), request.form.to_dict())
    return redirect(url_for("plans.show", plan_id=plan_id) + "#nhiem-vu")


@bp.route("/<int:plan_id>/nhiem-vu/<int:task_id>", methods=["POST"])
@roles_required(*UNIT_STAFF)
def update_task(plan_id: int, task_id: int):
    _plan(plan_id)
    if request.form.get("delete"):
        editing.delete_task(current_user, plan_id, task_id, request.form.get("version"))
    else:
        editing.update_task(current_user, plan_id, task_id, request.form.get("version"), request.form.to_dict())
    return redirect(url_for("plans.show", plan_id=plan_id) + "#nhiem-vu")


@bp.route("/<int:plan_id>/gui", methods=["POST"])
@roles_required(*UNIT_STAFF)
def submit(plan_id: int):
    _plan(plan_id)
    handovers.submit_plan(current_user, plan_id, request.form.get("version"))
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/tiep-nhan", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def acknowledge(plan_id: int):
    _plan(plan_id)
    handovers.acknowledge_plan(current_user, plan_id, request.form.get("version"))
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/tra-lai", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def return_(plan_id: int):
    _plan(plan_id)
    handovers.return_plan(current_user, plan_id, request.form.get("version"), request.form.get("reason", ""))
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/bao-cao/<period>", methods=["GET", "POST"])
@login_required
def report(plan_id: int, period: str):
    plan = _plan(plan_id)
    try:
        period_ = Period(period)
    except ValueError:
        abort(404)
    if request.method == "POST":
        if current_user.role not in UNIT_STAFF:
            abort(403)
        if request.form.get("action") == "submit":
            reports.submit_report(current_user, plan_id, period_, request.form.get("version"))
        else:
            reports.save_report(
                current_user,
                plan_id,
                period_,
                request.form.get("version"),
                request.form.to_dict(),
                request.form.getlist("evidence"),
            )
        return redirect(url_for("plans.report", plan_id=plan_id, period=period))
    on = clock.today_in_vietnam()
    report = reports.report_of(plan, period_)
    evidence = []
    if current_user.unit_id == plan.unit_id:
        evidence = evidence_library.recent(current_user, plan.unit_id)
    chosen = {int(i) for i in (report.evidence_ids.split(",") if report and report.evidence_ids else [])}
    return render_template(
        "plans/report.html",
        plan=plan,
        period=period_,
        report=report,
        state=reports.report_state(plan, period_, on),
        labels=reports.STATE_LABELS,
        opens=reports.opens_on(period_, plan.year),
        progress=reports.progress_of(report),
        statuses=list(TaskStatus),
        evidence=evidence,
        chosen=chosen,
        own=current_user.unit_id == plan.unit_id,
    )


def _download(data: bytes, name: str, mimetype: str):
    import io

    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/<int:plan_id>/ke-hoach.docx")
@login_required
def plan_docx(plan_id: int):
    plan = _plan(plan_id)
    return _download(
        documents.plan_docx(plan), f"Kế hoạch cải thiện {plan.year} - {plan.unit.name}.docx", documents.DOCX_TYPE
    )


@bp.route("/<int:plan_id>/bao-cao/<period>.docx")
@login_required
def report_docx(plan_id: int, period: str):
    plan = _plan(plan_id)
    try:
        period_ = Period(period)
    except ValueError:
        abort(404)
    if reports.report_of(plan, period_) is None:
        abort(404)
    name = f"Báo cáo {period_.label} {plan.year} - {plan.unit.name}.docx"
    return _download(documents.report_docx(plan, period_), name, documents.DOCX_TYPE)


def _year() -> int:
    years = monitoring.plan_years(current_user.unit_id)
    text = request.args.get("nam", "")
    if text.isdigit():
        return int(text)
    return years[0] if years else clock.today_in_vietnam().year


@bp.route("/theo-doi")
@roles_required(*AUTHORITY_STAFF)
def follow_up():
    year = _year()
    rows = monitoring.follow_up(current_user, year)
    return render_template(
        "plans/follow_up.html",
        year=year,
        years=monitoring.plan_years(current_user.unit_id),
        rows=rows,
        periods=list(Period),
        labels=reports.STATE_LABELS,
        today=clock.today_in_vietnam(),
    )


@bp.route("/theo-doi.xlsx")
@roles_required(*AUTHORITY_STAFF)
def follow_up_xlsx():
    year = _year()
    data = documents.summary_xlsx(monitoring.follow_up(current_user, year), year)
    return _download(data, f"Tiến độ kế hoạch cải thiện {year}.xlsx", documents.XLSX_TYPE)
