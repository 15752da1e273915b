"""Views of the self-assessment (tự đánh giá): the whole criteria tree on one page, saving an item (JSON from the
page's script, or a plain form post without it), citing evidence from the library, the pre-submission check,
submission and withdrawal by the unit leader. Views parse the request, call a service, render."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dvcq.platform import params
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.permissions import roles_required
from dvcq.scoring.campaigns import services as campaign_services
from dvcq.scoring.models import CampaignStatus
from dvcq.scoring.selfassessment import services
from dvcq.scoring.selfassessment.forms import SubmitForm, WithdrawForm
from dvcq.scoring.selfassessment.rules import extension_running, self_deadline, time_left

bp = Blueprint(
    "selfassessment",
    __name__,
    url_prefix="/tu-danh-gia",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/selfassessment",
)
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Tự đánh giá", "selfassessment.index", services.UNIT_ROLES),)


def home_cards(user):
    if user.role not in services.UNIT_ROLES:
        return []
    campaign = campaign_services.current_campaign(user.unit.authority_id, include_draft=False)
    if campaign is None:
        return []
    assessment = next((a for a in services.unit_assessments(user) if a.campaign_id == campaign.id), None)
    if assessment is None:
        return []
    body = f"{campaign.name}. Hồ sơ: {assessment.status.label}."
    if campaign.status == CampaignStatus.SELF_ASSESSMENT or extension_running(assessment):
        deadline = self_deadline(assessment)
        body += f" Hạn nộp: {vn_datetime(deadline)} ({time_left(deadline)})."
    return [
        {
            "title": "Tự đánh giá, tự chấm điểm",
            "body": body,
            "link": url_for("selfassessment.page", assessment_id=assessment.id),
            "link_text": "Mở hồ sơ tự đánh giá",
        }
    ]


@bp.route("/")
@roles_required(*services.UNIT_ROLES)
def index():
    assessments = services.unit_assessments(current_user)
    return render_template(
        "selfassessment/index.html",
        assessments=assessments,
        self_deadline=self_deadline,
        extension_running=extension_running,
    )


_MARK = 987654321  # an id no row has: the per-item URLs are built once and the item's id put in its place


def _split_url(endpoint: str, **values) -> tuple[str, str]:
    before, after = url_for(endpoint, **values).split(str(_MARK), 1)
    return before, after


@dataclass(frozen=True)
class _ItemUrls:
    """What every item of the 100-item page repeats, worked out once per page (issue 9: one url_for and one CSRF
    token per item were a good part of the page's time): each URL as the text before and after the id."""

    save: tuple[str, str]
    attach: tuple[str, str]
    download: tuple[str, str]
    csrf: str


def _item_urls(assessment_id: int) -> _ItemUrls:
    return _ItemUrls(
        save=_split_url("selfassessment.save", assessment_id=assessment_id, item_id=_MARK),
        attach=_split_url("selfassessment.evidence", assessment_id=assessment_id, item_id=_MARK),
        download=_split_url("evidence.download", evidence_id=_MARK),
        csrf=generate_csrf(),
    )


def _page(assessment_id: int, *, errors=None, entered=None, conflicts=None, status: int = 200):
    view = services.page(current_user, assessment_id)
    return (
        render_template(
            "selfassessment/page.html",
            p=view,
            a=view.assessment,
            campaign=view.campaign,
            errors=errors or {},
            entered=entered or {},
            conflicts=conflicts or {},
            is_leader=current_user.role == Role.LEADER,
            withdraw_form=WithdrawForm(),
            urls=_item_urls(view.assessment.id),
        ),
        status,
    )


@bp.route("/<int:assessment_id>")
@roles_required(*services.VIEW_ROLES)
def page(assessment_id: int):
    return _page(assessment_id)


@bp.route("/<int:assessment_id>/muc/<int:item_id>", methods=["POST"])
@roles_required(*services.UNIT_ROLES)
def save(assessment_id: int, item_id: int):
    as_json = request.is_json
    data = (request.get_json(silent=True) or {}) if as_json else request.form
    if not isinstance(data, dict) and as_json:
        abort(400)
    score, note = data.get("score"), data.get("note")
    score = None if score is None else str(score)
    note = None if note is None else str(note)
    try:
        item, totals = services.save_item(
            current_user, assessment_id, item_id, version=data.get("version"), score=score, note=note
        )
    except services.ItemConflict as err:
        db.session.rollback()
        current = services.item_state(err.item)
        if as_json:
            return jsonify(error=err.message, current=current), 409
        return _page(assessment_id, errors={item_id: err.message}, conflicts={item_id: current}, entered={}, status=409)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        if as_json:
            return jsonify(error=err.message, problems=err.problems), err.status
        return _page(assessment_id, errors={item_id: err.message}, entered={item_id: (score, note)}, status=err.status)
    if as_json:
        return jsonify(ok=True, item=services.item_state(item), totals=totals.as_json())
    flash(f"Đã lưu tiêu chí {item.node.code}.", "success")
    return redirect(url_for("selfassessment.page", assessment_id=assessment_id, _anchor=f"muc-{item_id}"))


@bp.route("/<int:assessment_id>/muc/<int:item_id>/tai-lieu")
@roles_required(*services.UNIT_ROLES)
def evidence(assessment_id: int, item_id: int):
    """Cite files of the unit's library for one item (the evidence service does the linking)."""
    from dvcq.scoring.evidence import library as evidence_library

    view = services.page(current_user, assessment_id)
    item = next((row.item for area in view.areas for row in area.rows if row.item and row.item.id == item_id), None)
    if item is None:
        abort(404)
    linked = {link.evidence_id for link in item.evidence_links}
    files = [f for f in evidence_library.library(current_user, current_user.unit_id) if f.id not in linked]
    back = url_for("selfassessment.page", assessment_id=assessment_id, _anchor=f"muc-{item_id}")
    return render_template("selfassessment/evidence.html", p=view, item=item, node=item.node, files=files, back=back)


@bp.route("/<int:assessment_id>/tai-lieu/<int:evidence_id>", methods=["GET", "POST"])
@roles_required(*services.UNIT_ROLES)
def cite_file(assessment_id: int, evidence_id: int):
    """Cite one library file for several items in one action, each with its page or section."""
    from dvcq.scoring.evidence import citations
    from dvcq.scoring.evidence import services as evidence_services

    view = services.page(current_user, assessment_id)
    evidence = evidence_services.get_evidence(current_user, evidence_id)
    chosen = {i for i in map(params.whole, request.args.getlist("muc")) if i is not None}
    refs: dict[int, str] = {}
    error, status = None, 200
    if request.method == "POST" and not view.can_edit:
        error, status = view.locked_reason, 409
    elif request.method == "POST":
        chosen = {i for i in map(params.whole, request.form.getlist("item")) if i is not None}
        refs = {i: request.form.get(f"page_ref:{i}", "") for i in chosen}
        try:
            rows = citations.link_many(current_user, evidence.id, chosen, refs)
        except ServiceError as err:
            db.session.rollback()
            if err.status == 404:
                raise
            error, status = err.message, err.status
            view = services.page(current_user, assessment_id)
        else:
            codes = ", ".join(row.item.node.code for row in rows)
            flash(f"Đã dẫn «{evidence.original_name}» cho {len(rows)} tiêu chí: {codes}.", "success")
            return redirect(url_for("selfassessment.page", assessment_id=assessment_id))
    cited = {link.item_id: link for link in evidence.links}
    page = render_template(
        "selfassessment/cite_file.html",
        p=view,
        evidence=evidence,
        cited=cited,
        chosen=chosen,
        refs=refs,
        error=error,
        back=url_for("selfassessment.page", assessment_id=assessment_id),
    )
    return page, status


@bp.route("/<int:assessment_id>/kiem-tra")
@roles_required(*services.VIEW_ROLES)
def check(assessment_id: int):
    return _check_page(assessment_id, SubmitForm(formdata=None), is_leader=current_user.role == Role.LEADER)


def _check_page(assessment_id: int, form: SubmitForm, *, is_leader: bool, refused: ServiceError | None = None):
    """The check before submitting; after a refused submission, with its reason and problems and the form as sent."""
    view = services.page(current_user, assessment_id)
    page = render_template(
        "selfassessment/check.html",
        p=view,
        a=view.assessment,
        form=form,
        is_leader=is_leader,
        message=refused.message if refused else None,
        problems=refused.problems if refused else [],
    )
    return page, refused.status if refused else 200


@bp.route("/<int:assessment_id>/nop", methods=["POST"])
@roles_required(Role.LEADER)
def submit(assessment_id: int):
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        assessment = services.submit(current_user, assessment_id, confirmed=bool(form.confirm.data))
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return _check_page(assessment_id, form, is_leader=True, refused=err)
    flash(f"Đã nộp hồ sơ tự đánh giá lúc {vn_datetime(assessment.submitted_at)}. Hồ sơ đã được khoá.", "success")
    return redirect(url_for("selfassessment.page", assessment_id=assessment_id))


@bp.route("/<int:assessment_id>/rut", methods=["POST"])
@roles_required(Role.LEADER)
def withdraw(assessment_id: int):
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw(current_user, assessment_id)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        flash(err.message, "error")
        return _page(assessment_id, status=err.status)
    flash("Đã rút hồ sơ về để chỉnh sửa. Nhớ nộp lại trước hạn.", "success")
    return redirect(url_for("selfassessment.page", assessment_id=assessment_id))
