"""Decision pages: the campaign's decision (draft form, preview, issue, the issued files, amendments). Parse the
request, call a service, render; a refusal is shown on the same page with every problem and the HTTP status it
deserves."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.jobs import JobRecord, JobStatus
from dvcq.platform.permissions import AUTHORITY_STAFF, roles_required
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import get_or_404
from dvcq.scoring.campaigns.services import campaign_for
from dvcq.scoring.decisions import amendments, drafting, generation, issuing, services
from dvcq.scoring.decisions import jobs as decision_jobs
from dvcq.scoring.decisions.forms import AmendmentForm, DecisionForm, VersionForm
from dvcq.scoring.models import CampaignStatus, DecisionStatus
from dvcq.scoring.results.access import sees_unpublished

bp = Blueprint("decisions", __name__, url_prefix="/quyet-dinh", template_folder="templates")
# The area's links in the top navigation: (label, endpoint, roles that see it).
NAV = (("Quyết định", "decisions.index", (Role.SECRETARIAT, Role.LEADERSHIP)),)
MIMETYPES = {"docx": decision_jobs.DOCX_TYPE, "pdf": "application/pdf"}
REFUSALS_SHOWN_ON_THE_PAGE = (400, 409)


def home_cards(user) -> list[dict]:
    if user.role == Role.SECRETARIAT:
        return [
            {
                "title": f"Quyết định phê duyệt kết quả năm {c.year}",
                "body": "Kỳ đánh giá đang ở bước rà soát cuối: soạn, xem trước và ban hành quyết định phê duyệt kết "
                "quả đánh giá, phân loại. Ban hành quyết định sẽ công bố và khoá kết quả.",
                "link": url_for("decisions.campaign", campaign_id=c.id),
                "link_text": "Mở quyết định",
            }
            for c in services.campaigns_of(user)
            if c.status == CampaignStatus.FINAL_REVIEW
        ]
    return []


def _form_data(decision) -> dict:
    articles = services.articles_of(decision) + ["", "", ""]
    return {
        "version": decision.version,
        "number": decision.number,
        "signed_on": vn_date(decision.signed_on),
        "place": decision.place,
        "issuer_parent": decision.issuer_parent,
        "issuer": decision.issuer,
        "summary": decision.summary,
        "legal_bases": decision.legal_bases,
        "regulation": decision.regulation,
        "guidance": decision.guidance,
        "party_bases": decision.party_bases,
        "proposal_by": decision.proposal_by,
        "proposal_number": decision.proposal_number,
        "proposal_date": vn_date(decision.proposal_date),
        "article_1": articles[0],
        "article_2": articles[1],
        "article_3": articles[2],
        "signer_mode": decision.signer_mode,
        "signer_name": decision.signer_name,
        "recipients": decision.recipients,
    }


def _page(campaign, *, status: int = 200, form=None, amend_form=None, problems=None, message: str = ""):
    decisions = services.decisions_of(current_user, campaign)
    main = services.main_decision(decisions)
    amendments = [d for d in decisions if d.amends_id is not None]
    if main is not None and main.status == DecisionStatus.DRAFT and form is None:
        form = DecisionForm(formdata=None, data=_form_data(main))
    staff = current_user.role.in_authority
    jobs = {}
    if staff:
        for decision in decisions:
            jobs[decision.id] = {
                "generate": services.latest_job(decision, services.GENERATE_JOB),
                "preview": services.latest_job(decision, services.PREVIEW_JOB),
            }
    return render_template(
        "decisions/campaign.html",
        campaign=campaign,
        decision=main,
        amendments=amendments,
        form=form,
        amend_form=amend_form or AmendmentForm(formdata=None),
        action_form=VersionForm(formdata=None, data={"version": main.version if main else ""}),
        can_edit=services.can_edit(current_user),
        staff=staff,
        jobs=jobs,
        annex=generation.annex_groups(campaign) if campaign.published or sees_unpublished(current_user) else (),
        articles=services.articles_of(main) if main else [],
        problems=problems or [],
        message=message,
        pdf_possible=decision_jobs.pdf_wanted(),
    ), status


def _refused(err: ServiceError, campaign_id: int, **forms):
    """Show a refusal on the decision page (400 bad input, 409 conflict); 403/404 keep their own pages."""
    if err.status not in REFUSALS_SHOWN_ON_THE_PAGE:
        raise err
    db.session.rollback()
    campaign = campaign_for(current_user, campaign_id)
    return _page(campaign, status=err.status, problems=err.problems, message=err.message, **forms)


@bp.route("/")
@roles_required(*AUTHORITY_STAFF)
def index():
    rows = []
    for campaign in services.campaigns_of(current_user):
        decisions = services.decisions_of(current_user, campaign)
        rows.append((campaign, services.main_decision(decisions), len(decisions) - 1 if decisions else 0))
    return render_template("decisions/index.html", rows=rows)


@bp.route("/ky-danh-gia/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    return _page(campaign_for(current_user, campaign_id))


@bp.route("/ky-danh-gia/<int:campaign_id>/du-thao", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def create_draft(campaign_id: int):
    try:
        drafting.draft(current_user, campaign_id)
    except ServiceError as err:
        return _refused(err, campaign_id)
    flash("Đã soạn dự thảo quyết định từ thông tin của kỳ đánh giá; hãy rà soát và bổ sung.", "success")
    return redirect(url_for("decisions.campaign", campaign_id=campaign_id))


def _act(
    decision_id: int,
    call: Callable[[], object],
    done: str | Callable[[object], str],
    category: str = "success",
    **forms,
):
    """The shape of every POST on a decision: act through the service, then back to the campaign's decision page
    with a flash — or that page again with the refusal and the forms as they were sent."""
    campaign_id = services.decision_for(current_user, decision_id).campaign_id
    try:
        outcome = call()
    except ServiceError as err:
        return _refused(err, campaign_id, **forms)
    flash(done(outcome) if callable(done) else done, category)
    return redirect(url_for("decisions.campaign", campaign_id=campaign_id))


@bp.route("/<int:decision_id>/luu", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def save(decision_id: int):
    form = DecisionForm()
    return _act(
        decision_id,
        lambda: drafting.update(current_user, decision_id, form.version.data, **form.fields_for_service()),
        "Đã lưu dự thảo quyết định.",
        form=form,
    )


@bp.route("/<int:decision_id>/xem-truoc", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def preview(decision_id: int):
    return _act(
        decision_id,
        lambda: generation.preview(current_user, decision_id),
        "Đang tạo bản xem trước; đường dẫn tải về hiện ra khi xong.",
        "info",
    )


@bp.route("/<int:decision_id>/xem-truoc/<job_id>")
@roles_required(*AUTHORITY_STAFF)
def preview_download(decision_id: int, job_id: str):
    decision = services.decision_for(current_user, decision_id)
    record = get_or_404(JobRecord, job_id)
    kwargs = json.loads(record.kwargs or "{}")
    result = record.result_data or {}
    if (
        record.name != services.PREVIEW_JOB
        or kwargs.get("decision_id") != decision.id
        or record.status != JobStatus.FINISHED
        or not result.get("key")
    ):
        abort(404)
    return _send(result["key"], "docx", f"Dự thảo - {generation.download_name(decision, 'docx')}")


@bp.route("/<int:decision_id>/ban-hanh", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def issue(decision_id: int):
    form = VersionForm()
    return _act(
        decision_id,
        lambda: issuing.issue(current_user, decision_id, form.version.data),
        lambda issued: (
            f"Đã ban hành Quyết định số {issued.number}. Kết quả đã được công bố tới các đơn vị và được khoá; "
            "tệp quyết định đang được tạo."
        ),
    )


@bp.route("/<int:decision_id>/tao-lai", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def regenerate(decision_id: int):
    return _act(
        decision_id, lambda: generation.regenerate(current_user, decision_id), "Đang tạo lại tệp quyết định.", "info"
    )


@bp.route("/<int:decision_id>/dieu-chinh", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def amend(decision_id: int):
    form = AmendmentForm()
    return _act(
        decision_id,
        lambda: amendments.amend(
            current_user,
            decision_id,
            changes=form.changes.data or "",
            reason=form.reason.data or "",
            number=form.number.data or "",
            signed_on=form.signed_on.data or None,
        ),
        lambda new: f"Đã ban hành Quyết định điều chỉnh số {new.number}; kết quả đã được tính lại.",
        amend_form=form,
    )


@bp.route("/<int:decision_id>/tai-ve/<kind>")
@login_required
def download(decision_id: int, kind: str):
    decision = services.decision_for(current_user, decision_id)
    key = {"docx": decision.docx_key, "pdf": decision.pdf_key}.get(kind)
    if decision.status != DecisionStatus.ISSUED or not key:
        abort(404)
    return _send(key, kind, generation.download_name(decision, kind))


def _send(key: str, kind: str, name: str):
    try:
        stream = get_storage().open(key)
    except FileNotFoundError:
        abort(404)
    return send_file(stream, mimetype=MIMETYPES[kind], as_attachment=True, download_name=name)
