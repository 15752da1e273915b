"""What the decision's document holds (its text and the annex of results), and the jobs that generate its files:
preview of a draft, regeneration of an issued decision."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform import clock, jobs
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import require
from dvcq.scoring import engine
from dvcq.scoring.decisions import document
from dvcq.scoring.decisions.defaults import issuer_in_text, members_phrase
from dvcq.scoring.decisions.document import AnnexGroup, AnnexRow, DecisionDocument
from dvcq.scoring.decisions.services import (
    GENERATE_JOB,
    PREVIEW_JOB,
    _enqueue,
    _lines,
    articles_of,
    decision_for,
    latest_job,
)
from dvcq.scoring.decisions.signing import SignerMode, law_basis
from dvcq.scoring.models import Campaign, Decision, DecisionStatus, UnitResult
from dvcq.tenants.models import Unit, UnitGroup


def annex_groups(campaign: Campaign) -> tuple[AnnexGroup, ...]:
    """The campaign's results per group, in rank order, each with the criteria set it was scored on, as the annex
    prints them."""
    from dvcq.scoring.results.compute import sort_rows

    stmt = (
        select(UnitResult, Unit)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.campaign_id == campaign.id)
        .execution_options(authority_wide=True)
    )
    groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == campaign.authority_id)).scalars()
    rows = sort_rows(
        [tuple(r) for r in db.session.execute(stmt).all()], list(groups), key=lambda i: (i[0], i[1].name, i[1].code)
    )
    by_group: dict[str, list[AnnexRow]] = {}
    kinds: dict[str, list] = {}
    for result, unit in rows:
        members = by_group.setdefault(result.group_name, [])
        kinds.setdefault(result.group_name, []).append(unit.kind)
        rank = engine.format_rank(result.rank, result.rank_of) if result.rank and result.rank_of else ""
        members.append(
            AnnexRow(len(members) + 1, unit.name, result.self_total, result.appraised_total, result.level_name, rank)
        )
    captions = campaign.captions
    return tuple(
        AnnexGroup(name, tuple(members), captions.get(name, ""), members_phrase(kinds[name]))
        for name, members in by_group.items()
    )


def legal_bases_of(decision: Decision) -> list[str]:
    """The bases as printed, in the order of a People's Committee's decision: the local-government law in force on
    the signing date (today's for a draft without one), the province's regulation, the authority's guidance, any
    further legal basis; then the party documents ("Thực hiện"), and the proposal with its Tờ trình."""
    law = law_basis(decision.signed_on or clock.today_in_vietnam())
    bases = [law] if law else []
    bases += [f"Căn cứ {text}" for text in (decision.regulation, decision.guidance) if text.strip()]
    bases += _lines(decision.legal_bases)
    bases += [f"Thực hiện {line}" for line in _lines(decision.party_bases)]
    if decision.proposal_by.strip():
        proposal = f"Theo đề nghị của {decision.proposal_by}"
        if decision.proposal_number.strip():
            proposal += f" tại Tờ trình số {decision.proposal_number}"
            if decision.proposal_date:
                proposal += f" ngày {vn_date(decision.proposal_date)}"
        bases.append(proposal)
    return bases


def document_data(decision: Decision) -> DecisionDocument:
    campaign = decision.campaign
    authority = db.session.get(Unit, decision.authority_id)
    mode = SignerMode(decision.signer_mode)
    in_text = issuer_in_text(authority)
    signs_for, title = mode.signature
    return DecisionDocument(
        issuer_parent=decision.issuer_parent,
        issuer=decision.issuer,
        issuer_in_text=in_text,
        number=decision.number,
        place=decision.place,
        date=decision.signed_on,
        summary=decision.summary,
        authority_line=mode.authority_line(decision.issuer),
        legal_bases=tuple(legal_bases_of(decision)),
        articles=tuple(articles_of(decision)),
        signer_authority=signs_for,
        signer_title=title,
        signer_name=decision.signer_name,
        recipients=tuple(_lines(decision.recipients)),
        annex_title=f"Kết quả đánh giá, phân loại công tác dân vận chính quyền năm {campaign.year}",
        annex_groups=annex_groups(campaign),
        draft=decision.status != DecisionStatus.ISSUED,
        decided_by=mode.decided_by(in_text),
    )


def download_name(decision: Decision, extension: str) -> str:
    """ "Quyết định 05-QĐ-UBND.docx": the number without its slash, which no file name may hold."""
    number = decision.number.replace("/", "-") or f"du-thao-{decision.id}"
    return f"Quyết định {number}.{extension}"


# ---- preview and generation ----------------------------------------------------------------------------------------


def preview(actor, decision_id: int) -> jobs.JobRecord:
    """Generate the .docx of the draft (or of the issued decision) without issuing anything, as a job."""
    require(actor, Role.SECRETARIAT)
    decision = decision_for(actor, decision_id)
    label = decision.number or "dự thảo"
    return _enqueue(actor, decision, PREVIEW_JOB, f"Xem trước quyết định {label}")


def regenerate(actor, decision_id: int) -> jobs.JobRecord:
    """Generate the issued decision's files again (after a failed or missing generation)."""
    require(actor, Role.SECRETARIAT)
    decision = decision_for(actor, decision_id)
    if decision.status != DecisionStatus.ISSUED:
        raise Conflict("Chỉ tạo tệp chính thức cho quyết định đã ban hành; với dự thảo, hãy dùng «Xem trước».")
    running = latest_job(decision, GENERATE_JOB)
    if running is not None and running.status in (jobs.JobStatus.QUEUED, jobs.JobStatus.RUNNING):
        return running
    return _enqueue(actor, decision, GENERATE_JOB, f"Tạo tệp Quyết định số {decision.number}")


# ---- the command line ----------------------------------------------------------------------------------------------


def decision_of_year(authority_id: int, year: int) -> Decision | None:
    """The authority's decision approving the results of year N (the original, not an amendment), issued or draft."""
    return db.session.execute(
        select(Decision)
        .join(Campaign, Campaign.id == Decision.campaign_id)
        .where(Campaign.authority_id == authority_id, Campaign.year == year, Decision.amends_id.is_(None))
    ).scalar_one_or_none()


def file_of(decision: Decision, extension: str) -> bytes:
    """The decision as .docx or .pdf: an issued decision's stored file when there is one (what was issued, byte for
    byte), otherwise made now (a draft says «DỰ THẢO»). RuntimeError when a PDF cannot be made."""
    from dvcq.platform.storage import get_storage

    key = decision.docx_key if extension == "docx" else decision.pdf_key
    if decision.status == DecisionStatus.ISSUED and key:
        try:
            with get_storage().open(key) as stream:
                return stream.read()
        except FileNotFoundError:
            pass
    data = document.build_docx(document_data(decision))
    if extension == "docx":
        return data
    pdf = document.docx_to_pdf(data)
    if pdf is None:
        raise RuntimeError("Máy này chưa cài LibreOffice (soffice) nên không tạo được tệp PDF; hãy xuất tệp .docx.")
    return pdf


def published_decision(campaign_id: int) -> Decision | None:
    """The issued decision that approved a campaign's results (the original), as plans cite it."""
    return db.session.execute(
        select(Decision).where(
            Decision.campaign_id == campaign_id,
            Decision.amends_id.is_(None),
            Decision.status == DecisionStatus.ISSUED,
        )
    ).scalar_one_or_none()


def citation(decision: Decision) -> str:
    """ "Quyết định số 05/QĐ-UBND ngày 30/06/2025 của Ủy ban nhân dân huyện Ba Tơ" (or "… của Chủ tịch Ủy ban …")."""
    authority = db.session.get(Unit, decision.authority_id)
    decided_by = SignerMode(decision.signer_mode).decided_by(issuer_in_text(authority))
    return f"Quyết định số {decision.number} ngày {vn_date(decision.signed_on)} của {decided_by}"
