"""Plan pages: the unit's plan (targets, tasks, hand-overs), its period reports, the downloads, and the authority's
follow-up. Parse, call a service, render. A refused form comes back as the same page with what the user typed and
each problem beside its input (nothing saved); a success redirects with a sentence saying what was done. Only "not
yours" (404) and "not your role" (403) are the platform's error pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from dvcq.plans import documents, editing, handovers, imported, monitoring, outcomes, reports, services, sources
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, TaskKind, TaskStatus
from dvcq.platform import clock, params
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date, vn_datetime
from dvcq.platform.permissions import AUTHORITY_STAFF, UNIT_STAFF, roles_required
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
            source, _ = _source(user, on)
            if source is None:
                return []
            body = "Kết quả đánh giá đã công bố: lập kế hoạch khắc phục từ các tiêu chí bị trừ điểm."
            if source.result is not None:
                body = f"{source.offer}: kế hoạch khắc phục từ các lĩnh vực bị mất điểm."
            return [
                {
                    "title": "Kế hoạch cải thiện",
                    "body": body,
                    "link": url_for("plans.index"),
                    "link_text": "Lập kế hoạch",
                }
            ]
        # An older plan stays while one of its reports is open or returned: next year's plan, drafted once the
        # results are published, must not hide the year report still due.
        older = [p for p in plans[1:] if reports.still_owed(p, on) is not None]
        return [_plan_card(p, on, reports.still_owed(p, on)) for p in older] + [_plan_card(plans[0], on)]
    if user.role == Role.SECRETARIAT:
        plans = services.plan_lines()
        if not plans:
            return []
        waiting = sum(1 for p in plans if p.status == PlanStatus.SUBMITTED)
        in_force = [p for p in plans if p.status == PlanStatus.ACKNOWLEDGED]
        states = [reports.report_state(p, period, on) for p in in_force for period in Period]
        to_read = sum(1 for state in states if state in reports.WAITING)
        missing = sum(1 for state in states if state == "missing")
        return [
            {
                "title": "Kế hoạch cải thiện của các đơn vị",
                "body": f"{waiting} kế hoạch chờ tiếp nhận; {to_read} báo cáo chờ tiếp nhận; "
                f"{missing} báo cáo quá hạn chưa nộp.",
                "link": url_for("plans.follow_up"),
                "link_text": "Theo dõi",
            }
        ]
    return []


def _plan_card(plan: ImprovementPlan, on, period: Period | None = None) -> dict:
    period = period or reports.next_due(plan, on)
    body = f"Trạng thái: {plan.status.label}."
    link = url_for("plans.show", plan_id=plan.id)
    if plan.status == PlanStatus.ACKNOWLEDGED and period is not None:
        state = reports.STATE_LABELS[reports.report_state(plan, period, on)]
        body += f" Báo cáo kỳ tới: {period.label}, hạn {vn_date(period.due_on(plan.year))} ({state})."
    return {"title": f"Kế hoạch cải thiện năm {plan.year}", "body": body, "link": link, "link_text": "Mở kế hoạch"}


def _plan(plan_id: int) -> ImprovementPlan:
    return services.plan_for(current_user, plan_id)


@dataclass
class Typed:
    """A refused form as the user sent it: which form of the page (`name`), its values, and each problem under its
    input's name; `message` and `problems` tied to no input are shown at the top of the form."""

    name: str
    values: MultiDict
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    problems: list[str] = field(default_factory=list)

    def value(self, key: str, default=""):
        return self.values.get(key, default) if self.name else default

    def chosen(self, key: str, default=()) -> set[str]:
        return set(self.values.getlist(key)) if self.name else {str(v) for v in default}

    def error(self, key: str) -> str:
        return self.errors.get(key, "")

    def error_id(self, key: str) -> str:
        return "loi-" + "".join(c if c.isalnum() else "-" for c in f"{self.name}-{key}")

    def attrs(self, key: str) -> Markup:
        """aria-invalid and the link to the problem's text for an input in error; the first one takes the focus, so
        the browser scrolls to it."""
        if key not in self.errors:
            return Markup("")
        focus = " autofocus" if key == next(iter(self.errors)) else ""
        return Markup(' aria-invalid="true" aria-describedby="{}"{}').format(self.error_id(key), Markup(focus))


UNTYPED = Typed("", MultiDict())  # every form that was not refused: its inputs show what is saved


def _typed_of(typed: Typed | None):
    """For the template: `typed('task:12')` is the refused form if it is that one, else `UNTYPED`."""
    return lambda name: typed if typed is not None and typed.name == name else UNTYPED


def _refused(err: ServiceError, form_name: str) -> Typed:
    """What the page shows again after a refusal. Not yours (404) and not your role (403) stay error pages."""
    db.session.rollback()
    if err.status in (403, 404):
        raise err
    fields = getattr(err, "fields", {})
    return Typed(form_name, request.form.copy(), fields, err.message, [] if fields else err.problems)


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    if current_user.role in AUTHORITY_STAFF:
        return redirect(url_for("plans.follow_up"))
    return _index()


def _source(user, on) -> tuple[sources.Source | None, str]:
    """The result the user's unit would draft its next plan from (None when it has that plan already), or why there
    is none."""
    try:
        source = sources.draft_source(user.unit, on)
    except ServiceError as err:
        return None, err.message
    return (source if services.plan_of(user.unit_id, source.plan_year) is None else None), ""


def _index(refused: str = "", status: int = 200):
    plans = services.plans_of_unit(current_user.unit_id)
    source, why = _source(current_user, clock.today_in_vietnam())
    page = render_template("plans/index.html", plans=plans, source=source, why=why, refused=refused)
    return page, status


@bp.route("/lap", methods=["POST"])
@roles_required(*UNIT_STAFF)
def draft():
    try:
        plan = editing.draft_plan(current_user, current_user.unit_id)
    except ServiceError as err:
        db.session.rollback()
        if err.status in (403, 404):
            raise
        return _index(err.message, err.status)
    flash(
        f"Đã lập dự thảo kế hoạch năm {plan.year} từ kết quả năm {plan.year - 1}. "
        "Hãy rà soát chỉ tiêu và từng nhiệm vụ.",
        "success",
    )
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int):
    return _show(_plan(plan_id))


def _show(plan: ImprovementPlan, typed: Typed | None = None, status: int = 200):
    on = clock.today_in_vietnam()
    levels = services.levels_of(plan)
    staff = services.users_of(plan.unit_id, *UNIT_STAFF)
    page = render_template(
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
        tones=reports.STATE_TONES,
        outcomes=outcomes.outcomes(plan),
        overdue={t.id for t in reports.overdue_tasks(plan, on)},
        missing_decision=imported.missing_decision(plan),
        decision=imported.plan_decision(plan),
        typed=_typed_of(typed),
    )
    return page, status


def _act(plan_id: int, form_name: str, call, done, anchor: str | None = None):
    """The shape of every POST on a plan: act through the service, then back to the plan with a sentence saying what
    was done, or the plan page again with the refused form as it was typed."""
    _plan(plan_id)
    try:
        outcome = call()
    except ServiceError as err:
        typed = _refused(err, form_name)
        return _show(_plan(plan_id), typed, err.status)
    flash(done(outcome) if callable(done) else done, "success")
    return redirect(url_for("plans.show", plan_id=plan_id, _anchor=anchor))


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


@bp.route("/<int:plan_id>/luu", methods=["POST"])
@roles_required(*UNIT_STAFF)
def save(plan_id: int):
    return _act(
        plan_id,
        "targets",
        lambda: editing.update_plan(current_user, plan_id, request.form.get("version"), request.form.to_dict()),
        "Đã lưu mục tiêu và chỉ tiêu của kế hoạch.",
        "chi-tieu",
    )


@bp.route("/<int:plan_id>/nhiem-vu", methods=["POST"])
@roles_required(*UNIT_STAFF)
def add_task(plan_id: int):
    return _act(
        plan_id,
        "new-task",
        lambda: editing.add_task(current_user, plan_id, request.form.get("version"), request.form.to_dict()),
        lambda task: f"Đã thêm nhiệm vụ «{_short(task.text)}».",
        "nhiem-vu",
    )


@bp.route("/<int:plan_id>/nhiem-vu/<int:task_id>", methods=["POST"])
@roles_required(*UNIT_STAFF)
def update_task(plan_id: int, task_id: int):
    version = request.form.get("version")
    if request.form.get("delete"):
        return _act(
            plan_id,
            f"task:{task_id}",
            lambda: editing.delete_task(current_user, plan_id, task_id, version),
            "Đã xoá nhiệm vụ.",
            "nhiem-vu",
        )
    return _act(
        plan_id,
        f"task:{task_id}",
        lambda: editing.update_task(current_user, plan_id, task_id, version, request.form.to_dict()),
        lambda task: f"Đã lưu nhiệm vụ «{_short(task.text)}».",
        f"nhiem-vu-{task_id}",
    )


@bp.route("/<int:plan_id>/gui", methods=["POST"])
@roles_required(Role.LEADER)  # only the leader submits: decided before the plan is looked up
def submit(plan_id: int):
    return _act(
        plan_id,
        "submit",
        lambda: handovers.submit_plan(current_user, plan_id, request.form.get("version")),
        lambda plan: f"Đã gửi kế hoạch lên Thường trực Ban Chỉ đạo lúc {vn_datetime(plan.submitted_at)}.",
    )


@bp.route("/<int:plan_id>/tiep-nhan", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def acknowledge(plan_id: int):
    return _act(
        plan_id,
        "decide",
        lambda: handovers.acknowledge_plan(current_user, plan_id, request.form.get("version")),
        lambda plan: f"Đã tiếp nhận kế hoạch cải thiện năm {plan.year} của {plan.unit.name}; đơn vị đã được báo.",
    )


@bp.route("/<int:plan_id>/tra-lai", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def return_(plan_id: int):
    return _act(
        plan_id,
        "decide",
        lambda: handovers.return_plan(
            current_user, plan_id, request.form.get("version"), request.form.get("reason", "")
        ),
        lambda plan: f"Đã trả lại kế hoạch cho {plan.unit.name} kèm lý do; đơn vị đã được báo.",
    )


@bp.route("/<int:plan_id>/bao-cao/<period>", methods=["GET", "POST"])
@login_required
def report(plan_id: int, period: str):
    if request.method == "POST" and current_user.role not in UNIT_STAFF:
        abort(403)  # decided before the plan is looked up: the answer does not depend on the plan existing
    plan = _plan(plan_id)
    period_ = _period(period)
    if moved := _old_address(period_, period):
        return moved
    if request.method == "POST":
        return _report_post(plan, period_)
    return _report_page(plan, period_)


def _period(text: str) -> Period:
    period = Period.from_slug(text)
    if period is None:
        abort(404)
    return period


def _old_address(period: Period, text: str):
    """An address made before the periods had Vietnamese names (/bao-cao/q1, in notifications and bookmarks) leads
    to the same page under its name (/bao-cao/quy-1)."""
    if text == period.slug or request.method != "GET":
        return None
    return redirect(url_for(request.endpoint, **{**request.view_args, "period": period.slug}), 301)


def _report_post(plan: ImprovementPlan, period: Period):
    version, form, evidence = request.form.get("version"), request.form.to_dict(), request.form.getlist("evidence")
    submitting = request.form.get("action") == "submit"
    try:
        if submitting:
            report = reports.submit_report(current_user, plan.id, period, version, form, evidence)
        else:
            report = reports.save_report(current_user, plan.id, period, version, form, evidence)
    except ServiceError as err:
        typed = _refused(err, "report")
        return _report_page(_plan(plan.id), period, typed, err.status)
    what = f"báo cáo {period.span(plan.year)}"
    if submitting:
        flash(f"Đã gửi {what} lên Thường trực Ban Chỉ đạo lúc {vn_datetime(report.submitted_at)}.", "success")
    elif current_user.role == Role.LEADER:
        flash(f"Đã lưu {what}. Báo cáo chưa được gửi: bấm «Gửi báo cáo» khi đã hoàn thiện.", "success")
    else:
        flash(f"Đã lưu {what}. Lãnh đạo đơn vị gửi báo cáo khi đã hoàn thiện.", "success")
    return redirect(url_for("plans.report", plan_id=plan.id, period=period.slug))


def _decide_report(plan_id: int, period: str, call, done):
    """The secretariat acknowledges or returns a period report: back to the report with a sentence, or the report
    page again with the refused form as it was typed."""
    plan = _plan(plan_id)
    period_ = _period(period)
    try:
        call(period_)
    except ServiceError as err:
        typed = _refused(err, "decide")
        return _report_page(_plan(plan_id), period_, typed, err.status)
    flash(done.format(what=f"báo cáo {period_.span(plan.year)} của {plan.unit.name}"), "success")
    return redirect(url_for("plans.report", plan_id=plan_id, period=period_.slug))


@bp.route("/<int:plan_id>/bao-cao/<period>/tiep-nhan", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def acknowledge_report(plan_id: int, period: str):
    return _decide_report(
        plan_id,
        period,
        lambda p: reports.acknowledge_report(current_user, plan_id, p, request.form.get("version")),
        "Đã tiếp nhận {what}; đơn vị đã được báo.",
    )


@bp.route("/<int:plan_id>/bao-cao/<period>/tra-lai", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def return_report(plan_id: int, period: str):
    return _decide_report(
        plan_id,
        period,
        lambda p: reports.return_report(
            current_user, plan_id, p, request.form.get("version"), request.form.get("reason", "")
        ),
        "Đã trả lại {what} kèm lý do; đơn vị sẽ bổ sung và gửi lại.",
    )


def _report_page(plan: ImprovementPlan, period: Period, typed: Typed | None = None, status: int = 200):
    on = clock.today_in_vietnam()
    report = reports.report_of(plan, period)
    evidence = []
    if current_user.unit_id == plan.unit_id:
        evidence = evidence_library.recent(current_user, plan.unit_id)
    chosen = {int(i) for i in (report.evidence_ids.split(",") if report and report.evidence_ids else [])}
    page = render_template(
        "plans/report.html",
        plan=plan,
        period=period,
        report=report,
        state=reports.report_state(plan, period, on),
        labels=reports.STATE_LABELS,
        tones=reports.STATE_TONES,
        editable_statuses=reports.EDITABLE,
        opens=reports.opens_on(period, plan.year),
        progress=reports.progress_of(report),
        sections=reports.SECTIONS,
        statuses=list(TaskStatus),
        evidence=evidence,
        chosen=chosen,
        own=current_user.unit_id == plan.unit_id,
        typed=_typed_of(typed),
    )
    return page, status


def _download(data: bytes, name: str, mimetype: str):
    import io

    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/<int:plan_id>/ke-hoach.docx")
@login_required
def plan_docx(plan_id: int):
    plan = _plan(plan_id)
    try:
        data = documents.plan_docx(plan)
    except ServiceError as err:  # its imported year has no decision recorded: the plan page says so
        return _show(plan, status=err.status)
    return _download(data, f"Kế hoạch cải thiện {plan.year} - {plan.unit.name}.docx", documents.DOCX_TYPE)


@bp.route("/<int:plan_id>/bao-cao/<period>.docx")
@login_required
def report_docx(plan_id: int, period: str):
    plan = _plan(plan_id)
    period_ = _period(period)
    if moved := _old_address(period_, period):
        return moved
    if reports.report_of(plan, period_) is None:
        abort(404)
    name = f"Báo cáo {period_.span(plan.year)} - {plan.unit.name}.docx"
    return _download(documents.report_docx(plan, period_), name, documents.DOCX_TYPE)


def _year() -> int:
    years = monitoring.plan_years(current_user.unit_id)
    year = params.integer(request.args.get("nam"), "Năm", minimum=1, maximum=9999)
    if year is not None:
        return year
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
        tally=monitoring.tally(rows),
        periods=list(Period),
        labels=reports.STATE_LABELS,
        tones=reports.STATE_TONES,
        today=clock.today_in_vietnam(),
    )


@bp.route("/theo-doi.xlsx")
@roles_required(*AUTHORITY_STAFF)
def follow_up_xlsx():
    year = _year()
    data = documents.summary_xlsx(current_user, year)
    return _download(data, f"Tiến độ kế hoạch cải thiện {year}.xlsx", documents.XLSX_TYPE)
