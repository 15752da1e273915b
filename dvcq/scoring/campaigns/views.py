"""Views of campaigns (kỳ đánh giá): the list, creating and editing a draft, the campaign page with every unit's
progress, stage moves and deadline extensions. The secretariat acts; leadership, appraisers and the administrator
read. Views parse the request, call a service, render."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dvcq.platform import clock, params
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import roles_required
from dvcq.scoring.campaigns import deadlines, drafting, overview, reminders, services, stages
from dvcq.scoring.campaigns.forms import (
    CRITERIA_PREFIX,
    DAY_HINT,
    ActionForm,
    AdvanceForm,
    CampaignForm,
    ExtendForm,
    UnitExtendForm,
    parse_day,
)
from dvcq.scoring.models import CAMPAIGN_ORDER, AssessmentStatus, CampaignStatus
from dvcq.scoring.selfassessment.rules import time_left

bp = Blueprint("campaigns", __name__, url_prefix="/ky-danh-gia", template_folder="templates")
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Kỳ đánh giá", "campaigns.index", services.READ_ROLES),)


@bp.app_template_filter("time_left")
def _time_left(deadline: datetime | None) -> str:
    return time_left(deadline)


def home_cards(user):
    if user.role not in (Role.SECRETARIAT, Role.LEADERSHIP):
        return []
    campaign = services.current_campaign(services.authority_of(user))
    if campaign is None:
        if user.role != Role.SECRETARIAT:
            return []
        return [
            {
                "title": "Kỳ đánh giá",
                "body": "Chưa có kỳ đánh giá nào. Tạo kỳ đánh giá để các đơn vị bắt đầu tự đánh giá.",
                "link": url_for("campaigns.new"),
                "link_text": "Tạo kỳ đánh giá",
            }
        ]
    view = overview.overview(user, campaign.id)
    submitted = sum(1 for r in view.rows if r.assessment.status != AssessmentStatus.DRAFT)
    body = f"Giai đoạn: {campaign.status.label}. "
    if campaign.status == CampaignStatus.SELF_ASSESSMENT:
        deadline = campaign.self_assessment_deadline
        body += f"Đã nộp {submitted}/{len(view.rows)} đơn vị; hạn tự đánh giá {vn_date(services.vn_day(deadline))}"
        body += f" ({time_left(deadline)})."
    else:
        body += f"{len(view.rows)} đơn vị tham gia."
    return [
        {
            "title": campaign.name,
            "body": body,
            "link": url_for("campaigns.show", campaign_id=campaign.id),
            "link_text": "Mở kỳ đánh giá",
        }
    ]


@bp.route("/")
@roles_required(*services.READ_ROLES)
def index():
    return render_template(
        "campaigns/list.html",
        campaigns=services.campaigns_of(current_user),
        can_act=current_user.role == Role.SECRETARIAT,
    )


def _form_page(
    form: CampaignForm,
    chosen: set[int],
    criteria: dict[int, int | None],
    campaign=None,
    problems=None,
    message=None,
    status=200,
):
    versions = services.versions_of(current_user)
    groups = overview.eligible_units(services.authority_of(current_user))
    return (
        render_template(
            "campaigns/form.html",
            form=form,
            campaign=campaign,
            versions=versions,
            groups=groups,
            chosen=chosen,
            criteria=criteria,
            criteria_prefix=CRITERIA_PREFIX,
            problems=problems or [],
            message=message,
            day_hint=DAY_HINT,
        ),
        status,
    )


@bp.route("/moi", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def new():
    form = CampaignForm()
    if request.method == "GET":
        year = services.vn_day(clock.now()).year
        form.year.data = str(year)
        form.name.data = f"Đánh giá Chỉ số Dân vận chính quyền năm {year}"
        authority_id = services.authority_of(current_user)
        groups = overview.eligible_units(authority_id)
        return _form_page(form, {u.id for g in groups for u in g.units}, services.previous_criteria(authority_id))
    ticked = request.form.getlist("unit_ids")
    values, problems = form.parsed(ticked, request.form.to_dict())
    chosen, criteria = set(values["unit_ids"]), values["criteria"] or {}
    if not form.validate_on_submit():
        return _form_page(form, chosen, criteria, message="Biểu mẫu không hợp lệ; vui lòng tải lại trang.", status=400)
    if problems:
        return _form_page(form, chosen, criteria, problems=problems, message="Chưa tạo được kỳ đánh giá:", status=400)
    try:
        campaign = drafting.create_campaign(current_user, **values)
    except ServiceError as err:
        db.session.rollback()
        return _form_page(form, chosen, criteria, problems=err.problems, message=err.message, status=err.status)
    flash(f"Đã tạo kỳ đánh giá «{campaign.name}» (đang chuẩn bị). Kiểm tra rồi mở kỳ đánh giá.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/sua", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def edit(campaign_id: int):
    campaign = services.campaign_for(current_user, campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        flash("Kỳ đánh giá đã mở: chỉ gia hạn được các mốc thời hạn.", "warning")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    form = CampaignForm()
    if request.method == "GET":
        form.version.data = campaign.version
        form.year.data = str(campaign.year)
        form.name.data = campaign.name
        for field, name in zip(form.deadline_fields(), services.DEADLINE_FIELDS.values(), strict=True):
            field.data = vn_date(services.vn_day(getattr(campaign, name)))
        criteria = {c.group_id: c.version_id for c in campaign.criteria}
        return _form_page(form, {a.unit_id for a in services.participants(campaign)}, criteria, campaign)
    form.year.data = str(campaign.year)
    values, problems = form.parsed(request.form.getlist("unit_ids"), request.form.to_dict())
    chosen, criteria = set(values["unit_ids"]), values["criteria"]
    shown = criteria if criteria is not None else {c.group_id: c.version_id for c in campaign.criteria}
    if not form.validate_on_submit():
        message = "Biểu mẫu không hợp lệ; vui lòng tải lại trang."
        return _form_page(form, chosen, shown, campaign, message=message, status=400)
    if problems:
        message = "Chưa lưu được kỳ đánh giá:"
        return _form_page(form, chosen, shown, campaign, problems=problems, message=message, status=400)
    try:
        drafting.update_draft(
            current_user,
            campaign.id,
            _version(form),
            name=values["name"],
            unit_ids=values["unit_ids"],
            deadlines=values["deadlines"],
            criteria=criteria,
        )
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return _form_page(form, chosen, shown, campaign, problems=err.problems, message=err.message, status=err.status)
    flash("Đã lưu kỳ đánh giá.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _refused(campaign_id: int, err: ServiceError, forms: dict | None = None):
    """The campaign page again with the refusal above the form that asked (`forms`); a missing campaign stays 404."""
    db.session.rollback()
    if err.status == 404:
        raise err
    return _show(campaign_id, err.message, err.problems, err.status, forms)


def _show(campaign_id: int, message: str | None = None, problems=None, status: int = 200, forms: dict | None = None):
    view = overview.overview(current_user, campaign_id)
    campaign = view.campaign
    forms = forms or {}
    advance_form = forms.get("advance") or AdvanceForm(formdata=None)
    advance_form.version.data = campaign.version
    extend_form = forms.get("extend") or ExtendForm(formdata=None)
    extend_form.version.data = campaign.version
    open_stages = [
        s for s in services.DEADLINE_FIELDS if CAMPAIGN_ORDER.index(s) >= CAMPAIGN_ORDER.index(campaign.status)
    ]
    deadlines = [
        (services.DEADLINE_LABELS[s], getattr(campaign, f), s == campaign.status)
        for s, f in services.DEADLINE_FIELDS.items()
    ]
    return (
        render_template(
            "campaigns/show.html",
            view=view,
            campaign=campaign,
            summary=[(AssessmentStatus(status).label, n) for status, n in sorted(view.counts.items())],
            stages=CAMPAIGN_ORDER,
            next_status=stages.next_status(campaign.status),
            deadlines=deadlines,
            can_act=current_user.role == Role.SECRETARIAT,
            can_open_units=current_user.role in (Role.SECRETARIAT, Role.LEADERSHIP),
            advance_form=advance_form,
            extend_form=extend_form,
            open_stages=[(s.value, services.DEADLINE_LABELS[s]) for s in open_stages],
            unit_form=UnitExtendForm(formdata=None),
            unit_form_for=forms.get("unit_for"),
            unit_form_posted=forms.get("unit"),
            message=message,
            problems=problems or [],
            confirm_label=services.CONFIRM_UNSUBMITTED,
            extension_notes=stages.extension_notes(campaign),
            action_form=ActionForm(formdata=None, version=campaign.version),
        ),
        status,
    )


@bp.route("/<int:campaign_id>")
@roles_required(*services.READ_ROLES)
def show(campaign_id: int):
    return _show(campaign_id)


def _version(form) -> int:
    """The version of the campaign the user saw; a form without one is treated as stale (a conflict)."""
    return params.whole(form.version.data, 0)


@bp.route("/<int:campaign_id>/chuyen-giai-doan", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def advance(campaign_id: int):
    form = AdvanceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        campaign = stages.advance(
            current_user, campaign_id, _version(form), confirm_unsubmitted=bool(form.confirm_unsubmitted.data)
        )
    except ServiceError as err:
        return _refused(campaign_id, err, {"advance": form})
    flash(f"Đã chuyển kỳ đánh giá sang giai đoạn «{campaign.status.label}».", "success")
    for note in stages.extension_notes(campaign):
        flash(f"{note}.", "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/nhac-nop", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def remind(campaign_id: int):
    """«Nhắc nộp»: one unit (assessment_id) or every unit that has not submitted."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = reminders.remind_unsubmitted(current_user, campaign_id, params.whole(form.assessment_id.data))
    except ServiceError as err:
        return _refused(campaign_id, err)
    flash(outcome.message, "success" if outcome.sent else "warning")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id, _anchor="chua-nop"))


@bp.route("/<int:campaign_id>/dong-tu-danh-gia-som", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def close_submitted(campaign_id: int):
    """Close self-assessment early for the units that have submitted: their dossiers go to appraisal."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moved = stages.close_for_submitted(current_user, campaign_id, _version(form))
    except ServiceError as err:
        return _refused(campaign_id, err)
    flash(
        f"Đã chuyển {len(moved)} hồ sơ đã nộp sang thẩm định; các đơn vị chưa nộp vẫn tự đánh giá đến hạn.", "success"
    )
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/gia-han", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def extend(campaign_id: int):
    form = ExtendForm()
    if not form.validate_on_submit():
        abort(400)
    problems: list[str] = []
    day = parse_day(form.day.data, "Hạn mới", problems, required=True)
    try:
        stage = CampaignStatus(form.stage.data)
    except ValueError:
        problems.append("Vui lòng chọn giai đoạn cần gia hạn.")
    if problems:
        return _show(campaign_id, "Chưa gia hạn được:", problems, 400, {"extend": form})
    try:
        deadlines.extend_deadline(
            current_user, campaign_id, _version(form), stage=stage, day=day, reason=form.reason.data
        )
    except ServiceError as err:
        return _refused(campaign_id, err, {"extend": form})
    flash(f"Đã gia hạn {services.DEADLINE_LABELS[stage].lower()} đến hết ngày {vn_date(day)}.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/don-vi/<int:assessment_id>/gia-han", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def extend_unit(campaign_id: int, assessment_id: int):
    form = UnitExtendForm()
    if not form.validate_on_submit():
        abort(400)
    problems: list[str] = []
    day = parse_day(form.day.data, "Hạn mới", problems, required=True)
    forms = {"unit": form, "unit_for": assessment_id}
    if problems:
        return _show(campaign_id, "Chưa gia hạn được cho đơn vị:", problems, 400, forms)
    try:
        assessment = deadlines.extend_unit_deadline(
            current_user, campaign_id, assessment_id, day=day, reason=form.reason.data
        )
    except ServiceError as err:
        return _refused(campaign_id, err, forms)
    flash(f"Đã gia hạn tự đánh giá cho {assessment.unit.name} đến hết ngày {vn_date(day)}.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id, _anchor=f"dv-{assessment_id}"))
