"""Appraisal pages: the appraiser's work list and sheet, assignments and final review for the secretariat, and the
unit's preliminary result with its explanations (giải trình)."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from dvcq.platform import clock, params
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError, wants_json
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points, vn_date, vn_datetime
from dvcq.platform.permissions import UNIT_STAFF, roles_required
from dvcq.platform.tenancy import get_or_404
from dvcq.scoring.appraisal import assignments as assigning
from dvcq.scoring.appraisal import explanations, queries, release, services, teams
from dvcq.scoring.appraisal.sheets import sheet, summary
from dvcq.scoring.evidence import library as evidence_library
from dvcq.scoring.evidence import uploads
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Explanation,
)
from dvcq.scoring.results import whatif
from dvcq.scoring.results.access import reads_unit

bp = Blueprint(
    "appraisal",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/appraisal",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Thẩm định", "appraisal.index", (Role.APPRAISER,)),)
AREA_FIELD = "area-"  # the split-by-area form: area-<area node id> = appraiser id


def home_cards(user):
    cards = []
    if user.role == Role.APPRAISER:
        for campaign in queries.active_campaigns():
            mine = assigning.appraisable(user, queries.assessments_of(campaign))
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
        for campaign in queries.active_campaigns():
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
        for assessment in queries.released_to_unit():
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
    for campaign in queries.active_campaigns():
        done = services.progress(campaign.id)
        mine = assigning.appraisable(current_user, queries.assessments_of(campaign))
        rows = [(a, *done.get(a.id, (0, 0))) for a in mine if services.open_for_appraisal(a)]
        waiting = [a for a in mine if not services.open_for_appraisal(a) and a.status == AssessmentStatus.DRAFT]
        work.append((campaign, rows, waiting))
    return render_template("appraisal/index.html", work=work)


def _appraisable(assessment_id: int) -> Assessment:
    """A dossier assigned to the appraiser; any other is as missing as one that never was (404, byte for byte)."""
    assessment = get_or_404(Assessment, assessment_id)
    if not assigning.may_appraise(current_user, assessment):
        abort(404)
    return assessment


@bp.app_template_filter("signed_points")
def signed_points(value) -> str:
    """A difference of points with its sign spelled out: "+1,50", "−1,50", "0,00"."""
    if value is None:
        return ""
    text = points(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def saved_label(item) -> str:
    """What an item's saved state says: "Đã lưu lúc 14:32" (with the day when it is not today), or "Chưa chấm"."""
    if item.appraised_at is None:
        return "Chưa chấm"
    at = vn_datetime(item.appraised_at)
    time_of_day, day = at.split(" ", 1)
    today = vn_date(clock.today_in_vietnam())
    return f"Đã lưu lúc {time_of_day}" + ("" if day == today else f" ngày {day}")


def _sheet(assessment: Assessment, *, entered=None, errors=None, conflicts=None, status: int = 200):
    """The appraisal sheet; after a refused save (no script) the typed values and the error are shown at the item."""
    allowed = assigning.appraisable_areas(current_user, assessment)
    areas = sheet(assessment, allowed)
    if allowed is None:
        # The whole sheet is loaded: count its items here rather than aggregate every assessment of the campaign
        # (services.progress: ~10,000 item rows for a province, for the one pair of numbers this page shows).
        items = [row.item for area in areas for row in area.rows if row.item is not None]
        done, total = sum(1 for item in items if item.appraised_score is not None), len(items)
    else:
        done, total = services.progress(assessment.campaign_id).get(assessment.id, (0, 0))
    return (
        render_template(
            "appraisal/sheet.html",
            assessment=assessment,
            areas=areas,
            done=done,
            total=total,
            # The item's save URL is this prefix + the item id: one url_for for the page, not one per item.
            save_prefix=url_for("appraisal.save_item", assessment_id=assessment.id, item_id=0).removesuffix("0"),
            agree_url=url_for("appraisal.agree", assessment_id=assessment.id),
            reason_boxes=reason_boxes,
            saved_label=saved_label,
            entered=entered or {},
            errors=errors or {},
            conflicts=conflicts or {},
            locked=not services.open_for_appraisal(assessment),
        ),
        status,
    )


@bp.route("/tham-dinh/ho-so/<int:assessment_id>")
@roles_required(Role.APPRAISER)
def sheet_page(assessment_id: int):
    assessment = _appraisable(assessment_id)
    if assessment.status == AssessmentStatus.DRAFT and not services.open_for_appraisal(assessment):
        flash(f"{assessment.unit.name}: {services.NOT_SUBMITTED_YET}", "warning")
        return redirect(url_for("appraisal.index")), 303
    return _sheet(assessment)


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


def item_state(item) -> dict:
    """An item as stored now, for the page's script (after a save, or to show a conflict)."""
    return {
        "id": item.id,
        "version": item.version,
        "score": points(item.appraised_score) if item.appraised_score is not None else "",
        "reasons": [r for r in item.deduction_reasons.split(",") if r],
        "note": item.appraisal_note,
        "saved": saved_label(item),
    }


def _progress_json(assessment: Assessment) -> dict:
    """The sheet's counters after a save: the dossier's progress and each area's appraised total."""
    areas = sheet(assessment, assigning.appraisable_areas(current_user, assessment))
    return {
        "status": assessment.status.label,
        "areas": {
            a.node.code: {"total": points(a.appraised_total), "done": a.appraised, "items": a.item_count} for a in areas
        },
        "done": sum(a.appraised for a in areas),
        "total": sum(a.item_count for a in areas),
    }


def _version(value) -> int:
    """The version the page saw; a missing or malformed one conflicts like a stale one."""
    return params.whole(value, -1)


@bp.route("/tham-dinh/ho-so/<int:assessment_id>/tieu-chi/<int:item_id>", methods=["POST"])
@roles_required(Role.APPRAISER)
def save_item(assessment_id: int, item_id: int):
    """Save one item: JSON for the page's script (fetch), the page itself for a plain form post."""
    assessment = _appraisable(assessment_id)
    as_json = wants_json()
    score, reasons, note = request.form.get("score", ""), request.form.getlist("reasons"), request.form.get("note", "")
    try:
        if not services.item_of(assessment, item_id):
            abort(404)
        item = services.save_appraisal(
            current_user, item_id, _version(request.form.get("version")), score, reasons, note
        )
    except services.ItemConflict as err:
        db.session.rollback()
        current = item_state(err.item)
        if as_json:
            return jsonify(error=err.message, current=current), 409
        entered = {item_id: (score, ",".join(reasons), note)}
        return _sheet(
            assessment, entered=entered, errors={item_id: err.message}, conflicts={item_id: current}, status=409
        )
    except ServiceError as err:
        db.session.rollback()
        if err.status in (403, 404):
            abort(err.status)
        if as_json:
            return jsonify(error=err.message, problems=err.problems), err.status
        entered = {item_id: (score, ",".join(reasons), note)}
        return _sheet(assessment, entered=entered, errors={item_id: err.message}, status=err.status)
    message = f"Đã lưu điểm thẩm định tiêu chí {item.node.code}."
    if as_json:
        return jsonify(ok=True, message=message, item=item_state(item), progress=_progress_json(item.assessment))
    flash(message, "success")
    return redirect(url_for("appraisal.sheet_page", assessment_id=assessment.id, _anchor=f"item-{item_id}")), 303


def _agreement_message(agreement, scope: str) -> str:
    text = f"Đã đồng ý điểm tự chấm cho {len(agreement.agreed)} tiêu chí{scope}."
    if not agreement.agreed:
        text = f"Chưa có tiêu chí nào được đồng ý điểm tự chấm{scope}."
    if agreement.skipped:
        left = "; ".join(f"{item.node.code} ({why})" for item, why in agreement.skipped)
        text += f" Để nguyên: {left}."
    return text


@bp.route("/tham-dinh/ho-so/<int:assessment_id>/dong-y", methods=["POST"])
@roles_required(Role.APPRAISER)
def agree(assessment_id: int):
    """«Đồng ý điểm tự chấm» for one item, one area or the whole dossier: `items` are "item id:version" pairs of what
    the appraiser saw."""
    assessment = _appraisable(assessment_id)
    as_json = wants_json()
    versions: dict[int, int] = {}
    for pair in request.form.getlist("items"):
        item_id, _, version = pair.partition(":")
        if (number := params.whole(item_id)) is not None:
            versions[number] = _version(version)
    scope = {"item": "", "area": f" của lĩnh vực {request.form.get('area', '')}", "all": " của cả hồ sơ"}.get(
        request.form.get("scope", ""), ""
    )
    back = url_for("appraisal.sheet_page", assessment_id=assessment.id, _anchor=request.form.get("anchor") or None)
    try:
        agreement = services.agree_with_self_scores(
            current_user, assessment.id, versions, overwrite=request.form.get("scope") == "item"
        )
    except services.ItemConflict as err:
        db.session.rollback()
        if as_json:
            return jsonify(error=err.message, current=item_state(err.item)), 409
        flash(err.message, "error")
        return redirect(back), 303
    except ServiceError as err:
        db.session.rollback()
        if err.status in (403, 404):
            abort(err.status)
        if as_json:
            return jsonify(error=err.message), err.status
        flash(err.message, "error")
        return redirect(back), 303
    message = _agreement_message(agreement, scope)
    if as_json:
        return jsonify(
            ok=True,
            message=message,
            items=[item_state(item) for item in agreement.agreed],
            progress=_progress_json(assessment),
        )
    flash(message, "success")
    return redirect(back), 303


@bp.route("/tham-dinh/phan-cong/<int:campaign_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT, Role.ADMIN)
def assignments(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "assign":
                assigning.assign(
                    current_user,
                    campaign.id,
                    _int(request.form.get("appraiser_id")),
                    _int(request.form.get("unit_id")),
                    _int(request.form.get("area_id")),
                )
                flash("Đã phân công.", "success")
            elif action == "remove":
                assigning.unassign(current_user, _int(request.form.get("assignment_id")))
                flash("Đã bỏ phân công.", "success")
            elif action == "move":
                assigning.reassign(
                    current_user, _int(request.form.get("assignment_id")), _int(request.form.get("appraiser_id"))
                )
                flash("Đã chuyển phân công.", "success")
            elif action == "team":
                outcome = teams.assign_team(current_user, campaign.id, _ints(request.form.getlist("appraiser_ids")))
                flash(outcome.message, "success")
            elif action == "areas":
                plan = {
                    area_id: _int(value)
                    for key, value in request.form.items()
                    if key.startswith(AREA_FIELD) and (area_id := _int(key.removeprefix(AREA_FIELD))) is not None
                }
                flash(teams.split_by_area(current_user, campaign.id, plan).message, "success")
            elif action == "rebalance":
                outcome = teams.rebalance(current_user, campaign.id, _ints(request.form.getlist("appraiser_ids")))
                flash(outcome.message, "success")
        except ServiceError as err:
            _refused(err)
        return redirect(url_for("appraisal.assignments", campaign_id=campaign.id)), 303
    return render_template(
        "appraisal/assignments.html",
        campaign=campaign,
        rows=queries.assignments(campaign),
        appraisers=queries.appraisers_of(campaign),
        areas=queries.areas_of(campaign),
        units=[a.unit for a in queries.assessments_of(campaign)],
        workload=assigning.workload(campaign.id),
    )


def _refused(err: ServiceError) -> None:
    """Undo the refused change and say why: the reason, then each of its problems."""
    db.session.rollback()
    for message in (err.message, *err.problems):
        flash(message, "error")


def _int(value) -> int | None:
    """An id from the form; one no row can have (malformed, negative, beyond 64 bits) is None, as if not chosen."""
    return params.whole(value)


def _ints(values) -> list[int]:
    return [number for number in (_int(v) for v in values) if number is not None]


@bp.route("/tham-dinh/ra-soat/<int:campaign_id>", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT, Role.LEADERSHIP, Role.ADMIN)
def review(campaign_id: int):
    if request.method == "POST" and current_user.role != Role.SECRETARIAT:
        abort(403)  # decided before the campaign is looked up
    campaign = get_or_404(Campaign, campaign_id)
    if request.method == "POST":
        try:
            if request.form.get("action") == "release":
                release.release(
                    current_user, _int(request.form.get("assessment_id")), _int(request.form.get("version")) or 0
                )
                flash("Đã công bố kết quả thẩm định sơ bộ cho đơn vị.", "success")
            elif request.form.get("action") == "release_all":
                released = release.release_all(current_user, campaign.id, _int(request.form.get("version")) or 0)
                names = ", ".join(a.unit.name for a in released)
                flash(f"Đã công bố kết quả thẩm định sơ bộ cho {len(released)} đơn vị: {names}.", "success")
            elif request.form.get("action") == "close":
                release.close_appraisal(current_user, campaign.id, _int(request.form.get("version")) or 0)
                flash("Đã kết thúc thẩm định; kỳ đánh giá chuyển sang rà soát cuối để ban hành quyết định.", "success")
        except ServiceError as err:
            _refused(err)
        return redirect(url_for("appraisal.review", campaign_id=campaign.id)), 303
    return render_template(
        "appraisal/review.html",
        campaign=campaign,
        board=release.review_board(campaign.id),
        unanswered=explanations.unanswered_count(campaign.id),
        in_window=release.units_in_window(campaign.id),
        deadline_of=release.explanation_deadline,
    )


# --- the unit's side: preliminary result and explanations --------------------------------------------------------


def _released_to_unit(assessment_id: int) -> Assessment:
    """The unit's own assessment, visible once released; before that it answers 404 like a missing one."""
    assessment = get_or_404(Assessment, assessment_id)
    if assessment.status not in queries.VISIBLE_TO_UNIT:
        abort(404)
    return assessment


def _unit_page(assessment: Assessment, *, typed=None, errors=None, status: int = 200):
    """The unit's preliminary result: a summary first (total, level, rank once published, points lost per area, the
    items only the appraisers score apart), then every item with its explanations. After a refused explanation (no
    script) the typed text is back in its box with the reason beside it."""
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
    lines, reserved = summary(areas)
    published = assessment.campaign.published
    return (
        render_template(
            "appraisal/unit_result.html",
            assessment=assessment,
            areas=areas,
            lines=lines,
            reserved=reserved,
            breakdown=whatif.unit_breakdown(assessment.id),
            answer=whatif.what_if(assessment.id, include_rank=published),
            can_contest=can_contest,
            closed_reason=closed_reason,
            deadline=release.explanation_deadline(assessment),
            is_leader=current_user.role == Role.LEADER,
            library=evidence_library.library(current_user, assessment.unit_id) if can_contest else [],
            typed=typed or {},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/giai-trinh/<int:assessment_id>")
@roles_required(*UNIT_STAFF)
def unit_result(assessment_id: int):
    return _unit_page(_released_to_unit(assessment_id))


def _back_to(assessment: Assessment, item_id: int | None = None):
    anchor = f"item-{item_id}" if item_id else None
    return redirect(url_for("appraisal.unit_result", assessment_id=assessment.id, _anchor=anchor)), 303


def _unit_action(assessment: Assessment, item_id: int | None, done: str, service, *args, as_missing=(403, 404)):
    """Call `service(current_user, *args)`, one of the unit's explanation actions, and go back to its result page with
    `done`, or with the refusal's reason; a refusal whose status is in `as_missing` answers with that status instead."""
    try:
        service(current_user, *args)
    except ServiceError as err:
        db.session.rollback()
        if err.status in as_missing:
            abort(err.status)
        flash(err.message, "error")
    else:
        flash(done, "success")
    return _back_to(assessment, item_id)


@bp.route("/giai-trinh/<int:assessment_id>/tieu-chi/<int:item_id>", methods=["POST"])
@roles_required(*UNIT_STAFF)
def contest(assessment_id: int, item_id: int):
    """Save the item's explanation as a draft (officer or leader), or send it (the leader)."""
    assessment = _released_to_unit(assessment_id)
    text, requested = request.form.get("text", ""), request.form.get("requested_score") or None
    sending = request.form.get("action") == "send"
    try:
        if services.item_of(assessment, item_id) is None:
            abort(404)
        if sending:
            explanations.contest(current_user, item_id, text, requested)
        else:
            explanations.save_draft(current_user, item_id, text, requested)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            abort(404)
        typed = {item_id: (text, requested or "")}
        return _unit_page(assessment, typed=typed, errors={item_id: err.message}, status=err.status)
    if sending:
        flash("Đã gửi giải trình tới tổ thẩm định.", "success")
    elif current_user.role == Role.LEADER:
        flash("Đã lưu bản nháp giải trình. Bấm «Gửi giải trình» khi sẵn sàng.", "success")
    else:
        flash("Đã lưu bản nháp giải trình; lãnh đạo đơn vị đã được báo để xem và gửi.", "success")
    return _back_to(assessment, item_id)


def _unit_explanation(assessment: Assessment, explanation_id: int) -> Explanation:
    record = get_or_404(Explanation, explanation_id)
    if record.item.assessment_id != assessment.id:
        abort(404)
    return record


@bp.route("/giai-trinh/<int:assessment_id>/giai-trinh/<int:explanation_id>/gui", methods=["POST"])
@roles_required(*UNIT_STAFF)
def send_explanation(assessment_id: int, explanation_id: int):
    """The leader sends a draft the officer prepared."""
    assessment = _released_to_unit(assessment_id)
    record = _unit_explanation(assessment, explanation_id)
    version = _int(request.form.get("version")) or 0
    sent = "Đã gửi giải trình tới tổ thẩm định."
    return _unit_action(assessment, record.item_id, sent, explanations.send, record.id, version)


@bp.route("/giai-trinh/<int:assessment_id>/giai-trinh/<int:explanation_id>/xoa", methods=["POST"])
@roles_required(*UNIT_STAFF)
def discard_explanation(assessment_id: int, explanation_id: int):
    assessment = _released_to_unit(assessment_id)
    record = _unit_explanation(assessment, explanation_id)
    done = "Đã xoá bản nháp giải trình."
    return _unit_action(assessment, record.item_id, done, explanations.discard_draft, record.id, as_missing=())


@bp.route("/giai-trinh/<int:assessment_id>/giai-trinh/<int:explanation_id>/tai-lieu", methods=["POST"])
@roles_required(*UNIT_STAFF)
def attach(assessment_id: int, explanation_id: int):
    """Attach a file to an explanation: one of the unit's library, or a new upload (kept in the library too)."""
    assessment = _released_to_unit(assessment_id)
    record = _unit_explanation(assessment, explanation_id)
    item_id, page_ref = record.item_id, request.form.get("page_ref", "")
    upload = request.files.get("file")
    try:
        explanations.attachable(current_user, record.id)
        if upload is not None and upload.filename:
            try:
                evidence = uploads.upload(current_user, assessment.unit_id, upload, None)
            except uploads.Duplicate as err:
                db.session.rollback()
                evidence = err.existing  # the same bytes are already in the library: that file is attached
        else:
            evidence_id = _int(request.form.get("evidence_id"))
            if evidence_id is None:
                raise ServiceError("Hãy chọn một tệp trong thư viện hoặc chọn tệp mới để tải lên.")
            evidence = None
        link = explanations.attach_evidence(current_user, record.id, evidence.id if evidence else evidence_id, page_ref)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            abort(404)
        flash(f"Chưa đính kèm được: {err.message}", "error")
    else:
        flash(f"Đã đính kèm «{link.evidence.original_name}» vào giải trình tiêu chí {link.item.node.code}.", "success")
    return _back_to(assessment, item_id)


@bp.route("/giai-trinh/<int:assessment_id>/ket-thuc", methods=["POST"])
@roles_required(*UNIT_STAFF)
def finish_round(assessment_id: int):
    """The leader ends the unit's explanation round before its deadline."""
    assessment = _released_to_unit(assessment_id)
    done = "Đã kết thúc giải trình của đơn vị. Thường trực Ban Chỉ đạo đã được báo."
    return _unit_action(assessment, None, done, explanations.finish, assessment.id)


@bp.route("/tham-dinh/giai-trinh/<int:explanation_id>", methods=["GET", "POST"])
@roles_required(Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP)
def explanation(explanation_id: int):
    if request.method == "POST" and current_user.role != Role.APPRAISER:
        abort(403)  # only appraisers answer: decided before the explanation is looked up
    try:
        record = explanations.sent_explanation(explanation_id)  # a draft is the unit's own: missing here
    except ServiceError:
        abort(404)
    assessment = record.item.assessment
    if not reads_unit(current_user, assessment.unit_id, campaign=assessment.campaign, area=record.item.node.code):
        abort(404)  # an appraiser reads the units and areas assigned to them; any other is as missing
    may_answer = assigning.may_appraise(current_user, assessment, record.item.node.code)
    typed, error, status = None, None, 200
    if request.method == "POST":
        typed = (request.form.get("final_score", ""), request.form.get("rationale", ""))
        try:
            explanations.answer(current_user, record.id, _int(request.form.get("version")) or 0, *typed)
        except ServiceError as err:
            db.session.rollback()
            if err.status in (403, 404):
                abort(err.status)
            error, status = err.message, err.status
            record = explanations.sent_explanation(explanation_id)
        else:
            flash("Đã trả lời giải trình và chốt điểm tiêu chí.", "success")
            return redirect(url_for("appraisal.explanations_list")), 303
    else:
        explanations.mark_read(current_user, record)
    item = record.item
    page = render_template(
        "appraisal/explanation.html",
        e=record,
        item=item,
        reasons=services.reason_labels(item.deduction_reasons),
        original_links=[link for link in item.evidence_links if link.explanation_id is None],
        assessment=assessment,
        may_answer=may_answer,
        typed=typed,
        error=error,
    )
    return page, status


@bp.route("/tham-dinh/giai-trinh/")
@roles_required(Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP)
def explanations_list():
    return render_template("appraisal/explanations.html", rows=explanations.for_staff(current_user))
