"""Appraisal pages: the appraiser's work list and sheet, assignments and final review for the secretariat, and the
unit's preliminary result with its explanations (giải trình)."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import UNIT_STAFF, roles_required
from dvcq.platform.tenancy import get_or_404
from dvcq.scoring.appraisal import explanations, services
from dvcq.scoring.appraisal.sheets import sheet
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Explanation,
)

bp = Blueprint("appraisal", __name__, template_folder="templates")
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Thẩm định", "appraisal.index", (Role.APPRAISER,)),)


def home_cards(user):
    cards = []
    if user.role == Role.APPRAISER:
        for campaign in services.active_campaigns():
            mine = [a for a in services.assessments_of(campaign) if services.may_appraise(user, a)]
            done = services.progress(campaign.id)
            left = sum(1 for a in mine if done.get(a.id, (0, 0))[0] < done.get(a.id, (0, 0))[1])
            cards.append(
                {
                    "title": f"Thẩm định — {campaign.name}",
                    "body": f"{len(mine)} đơn vị được phân công; {left} đơn vị còn tiêu chí chưa chấm.",
                    "link": url_for("appraisal.index"),
                    "link_text": "Vào thẩm định",
                }
            )
    elif user.role == Role.SECRETARIAT:
        for campaign in services.active_campaigns():
            cards.append(
                {
                    "title": f"Thẩm định — {campaign.name}",
                    "body": f"Giai đoạn: {campaign.status.label}. Phân công, theo dõi tiến độ và rà soát cuối.",
                    "link": url_for("appraisal.review", campaign_id=campaign.id),
                    "link_text": "Rà soát",
                }
            )
    elif user.role in UNIT_STAFF:
        # One statement: the campaign comes with its assessment (every past year's was a query of its own).
        for assessment in services.released_to_unit():
            link = url_for("appraisal.unit_result", assessment_id=assessment.id)
            if assessment.status == AssessmentStatus.FINAL:
                card = {
                    "title": "Kết quả thẩm định đã chốt",
                    "body": f"{assessment.campaign.name}: điểm đã chốt, chờ quyết định phê duyệt kết quả.",
                    "link": link,
                    "link_text": "Xem kết quả thẩm định",
                }
            else:
                card = {
                    "title": "Kết quả thẩm định sơ bộ",
                    "body": f"{assessment.campaign.name}: đã có kết quả sơ bộ, đơn vị có thể giải trình.",
                    "link": link,
                    "link_text": "Xem và giải trình",
                }
            cards.append(card)
    return cards


@bp.route("/tham-dinh/")
@roles_required(Role.APPRAISER)
def index():
    work = []
    for campaign in services.active_campaigns():
        done = services.progress(campaign.id)
        rows = [
            (a, *done.get(a.id, (0, 0)))
            for a in services.assessments_of(campaign)
            if services.may_appraise(current_user, a)
        ]
        work.append((campaign, rows))
    return render_template("appraisal/index.html", work=work)


def _appraisable(assessment_id: int) -> Assessment:
    assessment = get_or_404(Assessment, assessment_id)
    if not services.may_appraise(current_user, assessment):
        abort(403)
    return assessment


@bp.route("/tham-dinh/ho-so/<int:assessment_id>")
@roles_required(Role.APPRAISER)
def sheet_page(assessment_id: int):
    assessment = _appraisable(assessment_id)
    allowed = services.appraisable_areas(current_user, assessment)
    areas = sheet(assessment, allowed)
    if allowed is None:
        # The whole sheet is loaded: count its items here rather than aggregate every assessment of the campaign
        # (services.progress: ~10,000 item rows for a province, for the one pair of numbers this page shows).
        items = [row.item for area in areas for row in area.rows if row.item is not None]
        done, total = sum(1 for item in items if item.appraised_score is not None), len(items)
    else:
        done, total = services.progress(assessment.campaign_id).get(assessment.id, (0, 0))
    return render_template(
        "appraisal/sheet.html",
        assessment=assessment,
        areas=areas,
        done=done,
        total=total,
        # The item's save URL is this prefix + the item id: one url_for for the page, not one per item.
        save_prefix=url_for("appraisal.save_item", assessment_id=assessment.id, item_id=0).removesuffix("0"),
        reason_boxes=reason_boxes,
    )


@functools.lru_cache(maxsize=256)
def reason_boxes(chosen: str, locked: bool) -> Markup:
    """The deduction reasons' check boxes for an item whose stored reasons are `chosen` ("code,code"): the same few
    combinations recur on every item of every sheet, so each is rendered once per process."""
    picked = set(chosen.split(","))
    disabled = " disabled" if locked else ""
    boxes = "".join(
        Markup('\n        <label><input type="checkbox" name="reasons" value="{}"{}{}> {}</label>').format(
            code, Markup(" checked") if code in picked else "", Markup(disabled), label
        )
        for code, label in services.DEDUCTION_REASONS.items()
    )
    return (
        Markup('<fieldset class="reasons"><legend>Lý do trừ điểm</legend>')
        + Markup(boxes)
        + Markup("\n      </fieldset>")
    )


@bp.route("/tham-dinh/ho-so/<int:assessment_id>/tieu-chi/<int:item_id>", methods=["POST"])
@roles_required(Role.APPRAISER)
def save_item(assessment_id: int, item_id: int):
    assessment = _appraisable(assessment_id)
    try:
        item = services.save_appraisal(
            current_user,
            item_id,
            int(request.form.get("version", 0)),
            request.form.get("score", ""),
            request.form.getlist("reasons"),
            request.form.get("note", ""),
        )
    except ServiceError as err:
        db.session.rollback()
        if err.status == 403:
            abort(403)
        flash(err.message, "error")
        return redirect(url_for("appraisal.sheet_page", assessment_id=assessment.id, _anchor=f"item-{item_id}")), 303
    flash(f"Đã lưu điểm thẩm định tiêu chí {item.node.code}.", "success")
    return redirect(url_for("appraisal.sheet_page", assessment_id=assessment.id, _anchor=f"item-{item_id}")), 303


@bp.route("/tham-dinh/phan-cong/<int:campaign_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT, Role.ADMIN)
def assignments(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "assign":
                services.assign(
                    current_user,
                    campaign.id,
                    _int(request.form.get("appraiser_id")),
                    _int(request.form.get("unit_id")),
                    _int(request.form.get("area_id")),
                )
                flash("Đã phân công.", "success")
            elif action == "remove":
                services.unassign(current_user, _int(request.form.get("assignment_id")))
                flash("Đã bỏ phân công.", "success")
            elif action == "move":
                services.reassign(
                    current_user, _int(request.form.get("assignment_id")), _int(request.form.get("appraiser_id"))
                )
                flash("Đã chuyển phân công.", "success")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        return redirect(url_for("appraisal.assignments", campaign_id=campaign.id)), 303
    return render_template(
        "appraisal/assignments.html",
        campaign=campaign,
        rows=services.assignments(campaign),
        appraisers=services.appraisers_of(campaign),
        areas=services.areas_of(campaign),
        units=[a.unit for a in services.assessments_of(campaign)],
        workload=services.workload(campaign.id),
    )


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@bp.route("/tham-dinh/ra-soat/<int:campaign_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT, Role.LEADERSHIP, Role.ADMIN)
def review(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    if request.method == "POST":
        if current_user.role != Role.SECRETARIAT:
            abort(403)
        try:
            if request.form.get("action") == "release":
                services.release(
                    current_user, _int(request.form.get("assessment_id")), _int(request.form.get("version")) or 0
                )
                flash("Đã công bố kết quả thẩm định sơ bộ cho đơn vị.", "success")
            elif request.form.get("action") == "close":
                services.close_appraisal(current_user, campaign.id, _int(request.form.get("version")) or 0)
                flash("Đã kết thúc thẩm định; kỳ đánh giá chuyển sang rà soát cuối để ban hành quyết định.", "success")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            for problem in err.problems:
                flash(problem, "error")
        return redirect(url_for("appraisal.review", campaign_id=campaign.id)), 303
    return render_template(
        "appraisal/review.html",
        campaign=campaign,
        board=services.review_board(campaign.id),
        unanswered=explanations.unanswered_count(campaign.id),
    )


# --- the unit's side: preliminary result and explanations --------------------------------------------------------


def _released_to_unit(assessment_id: int) -> Assessment:
    """The unit's own assessment, visible once released; before that it answers 404 like a missing one."""
    assessment = get_or_404(Assessment, assessment_id)
    if assessment.status not in services.VISIBLE_TO_UNIT:
        abort(404)
    return assessment


@bp.route("/giai-trinh/<int:assessment_id>")
@roles_required(*UNIT_STAFF)
def unit_result(assessment_id: int):
    assessment = _released_to_unit(assessment_id)
    areas = sheet(assessment)
    for area in areas:
        for row in area.rows:
            for e in row.explanations:
                explanations.mark_read(current_user, e)
    can_contest = True
    try:
        explanations.assert_open(assessment)
    except ServiceError as err:
        can_contest, closed_reason = False, err.message
    else:
        closed_reason = ""
    return render_template(
        "appraisal/unit_result.html",
        assessment=assessment,
        areas=areas,
        can_contest=can_contest,
        closed_reason=closed_reason,
        deadline=explanations.deadline_of(assessment),
    )


@bp.route("/giai-trinh/<int:assessment_id>/tieu-chi/<int:item_id>", methods=["POST"])
@roles_required(*UNIT_STAFF)
def contest(assessment_id: int, item_id: int):
    assessment = _released_to_unit(assessment_id)
    try:
        explanations.contest(
            current_user, item_id, request.form.get("text", ""), request.form.get("requested_score") or None
        )
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            abort(404)
        flash(err.message, "error")
    else:
        flash("Đã gửi giải trình tới tổ thẩm định.", "success")
    return redirect(url_for("appraisal.unit_result", assessment_id=assessment.id, _anchor=f"item-{item_id}")), 303


@bp.route("/tham-dinh/giai-trinh/<int:explanation_id>", methods=["GET", "POST"])
@roles_required(Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP)
def explanation(explanation_id: int):
    record = get_or_404(Explanation, explanation_id)
    assessment = record.item.assessment
    may_answer = services.may_appraise(current_user, assessment, record.item.node.code)
    if current_user.role == Role.APPRAISER and not may_answer:
        abort(403)
    if request.method == "POST":
        try:
            explanations.answer(
                current_user,
                record.id,
                _int(request.form.get("version")) or 0,
                request.form.get("final_score", ""),
                request.form.get("rationale", ""),
            )
        except ServiceError as err:
            db.session.rollback()
            if err.status == 403:
                abort(403)
            flash(err.message, "error")
        else:
            flash("Đã trả lời giải trình và chốt điểm tiêu chí.", "success")
            return redirect(url_for("appraisal.explanations_list")), 303
        return redirect(url_for("appraisal.explanation", explanation_id=record.id)), 303
    explanations.mark_read(current_user, record)
    return render_template(
        "appraisal/explanation.html", e=record, item=record.item, assessment=assessment, may_answer=may_answer
    )


@bp.route("/tham-dinh/giai-trinh/")
@roles_required(Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP)
def explanations_list():
    return render_template("appraisal/explanations.html", rows=explanations.for_staff(current_user))
