"""What the decision's document holds (its text and the annex of results), and the jobs that generate its files:
preview of a draft, regeneration of an issued decision."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform import jobs
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring import engine
from dvcq.scoring.decisions.defaults import issuer_in_text
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
    rows = sort_rows([tuple(r) for r in db.session.execute(stmt).all()], list(groups), key=lambda i: (i[0], i[1].code))
    by_group: dict[str, list[AnnexRow]] = {}
    for result, unit in rows:
        members = by_group.setdefault(result.group_name, [])
        rank = engine.format_rank(result.rank, result.rank_of) if result.rank and result.rank_of else ""
        members.append(
            AnnexRow(len(members) + 1, unit.name, result.self_total, result.appraised_total, result.level_name, rank)
        )
    captions = campaign.captions
    return tuple(AnnexGroup(name, tuple(members), captions.get(name, "")) for name, members in by_group.items())


def document_data(decision: Decision) -> DecisionDocument:
    campaign = decision.campaign
    authority = db.session.get(Unit, decision.authority_id)
    chief = "CHỦ TỊCH"
    return DecisionDocument(
        issuer_parent=decision.issuer_parent,
        issuer=decision.issuer,
        issuer_in_text=issuer_in_text(authority),
        number=decision.number,
        place=decision.place,
        date=decision.signed_on,
        summary=decision.summary,
        authority_line=f"{chief} {decision.issuer}".upper(),
        legal_bases=tuple(_lines(decision.legal_bases)),
        articles=tuple(articles_of(decision)),
        signer_authority=decision.signer_authority,
        signer_title=decision.signer_title,
        signer_name=decision.signer_name,
        recipients=tuple(_lines(decision.recipients)),
        annex_title=f"Kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm {campaign.year}",
        annex_groups=annex_groups(campaign),
        draft=decision.status != DecisionStatus.ISSUED,
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
