"""The unit's evidence library: its files (newest first, with the items citing them, counts per unit), and
editing or deleting a file's record."""

from __future__ import annotations

import hashlib
import json
import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from dvcq.platform import audit
from dvcq.platform.auth.models import User
from dvcq.platform.collation import vn_sorted
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import require
from dvcq.platform.storage import Storage, get_storage
from dvcq.scoring.evidence.file_checks import META_LABELS, clean_meta
from dvcq.scoring.evidence.services import READER_ROLES, _summary, _unit_staff_of, get_evidence, visible_unit
from dvcq.scoring.models import Assessment, Evidence, EvidenceLink, ItemScore
from dvcq.scoring.results.access import readable_units, self_scores_private
from dvcq.tenants.models import Unit

log = logging.getLogger(__name__)


def library(actor, unit_id: int) -> list[Evidence]:
    """The unit's files, newest first, with the items that cite each (links → item → node, campaign)."""
    visible_unit(actor, unit_id)
    stmt = (
        select(Evidence)
        .where(Evidence.unit_id == unit_id)
        .options(
            selectinload(Evidence.links)
            .selectinload(EvidenceLink.item)
            .options(
                selectinload(ItemScore.node),
                selectinload(ItemScore.assessment).selectinload(Assessment.campaign),
            )
        )
        .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
    )
    return list(db.session.execute(stmt).scalars())


def library_size(unit_id: int) -> int:
    """How many files the unit's library holds."""
    return db.session.execute(select(func.count(Evidence.id)).where(Evidence.unit_id == unit_id)).scalar_one()


def recent(actor, unit_id: int, limit: int = 200) -> list[Evidence]:
    """The unit's newest files (to cite in a report), without their links."""
    visible_unit(actor, unit_id)
    stmt = (
        select(Evidence)
        .where(Evidence.unit_id == unit_id)
        .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def uploader_names(files: list[Evidence]) -> dict[int, str]:
    ids = {f.uploaded_by_id for f in files if f.uploaded_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def library_counts(actor) -> list[tuple[Unit, int]]:
    """For authority staff: each member unit of the authority whose library they may read (an appraiser: the units
    assigned to them) with the number of files in its library."""
    require(actor, *READER_ROLES)
    shown = readable_units(actor)
    authority_id = actor.unit.authority_id
    counts = dict(
        db.session.execute(
            select(Evidence.unit_id, func.count(Evidence.id)).group_by(Evidence.unit_id)
        ).all()  # the tenancy guard narrows this to the actor's scope
    )
    units = sorted(
        db.session.execute(select(Unit).where(Unit.authority_id == authority_id, Unit.id != authority_id)).scalars(),
        key=Unit.sort_key,
    )
    return [(unit, counts.get(unit.id, 0)) for unit in units if shown is None or unit.id in shown]


# ---- changes ------------------------------------------------------------------------------------------------------


def fingerprint(evidence: Evidence) -> str:
    """What the user saw of the metadata; a save whose fingerprint no longer matches is a conflict."""
    values = [evidence.doc_number, vn_date(evidence.doc_date), evidence.issuer, evidence.description]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


def _column_is(column, value):
    return column.is_(None) if value is None else column == value


def frozen_reason(evidence: Evidence) -> str:
    """Why the file's details (number, date, issuer, description) may no longer change, or "": a dossier that cites it
    has been submitted (its self-scores are no longer the unit's private draft), so they are frozen like its scores.
    Withdrawing the dossier opens them again; a correction after that goes through the explanation round."""
    cited_in = db.session.execute(
        select(Assessment)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .join(EvidenceLink, EvidenceLink.item_id == ItemScore.id)
        .where(EvidenceLink.evidence_id == evidence.id)
        .distinct()
    ).scalars()
    submitted = [a for a in cited_in if not self_scores_private(a)]
    if not submitted:
        return ""
    campaigns = ", ".join(vn_sorted({a.campaign.name for a in submitted}))
    return (
        f"Tài liệu «{evidence.original_name}» được dẫn chứng trong hồ sơ tự đánh giá đã nộp ({campaigns}) nên số, "
        "ngày, cơ quan ban hành và mô tả của tài liệu đã được khoá như điểm tự chấm. Nếu cần đính chính, đơn vị nêu "
        "trong nội dung giải trình (kèm tài liệu đúng) khi có kết quả thẩm định sơ bộ."
    )


def update_meta(actor, evidence_id: int, meta: dict | None, seen: str) -> Evidence:
    """Change a file's document number, date, issuer and description — refused (Conflict) once a submitted dossier
    cites it (`frozen_reason`). `seen` is the fingerprint of what the user edited; if somebody saved in between,
    nothing is overwritten (Conflict). The write itself is a compare-and-set, so two saves racing each other cannot
    both win."""
    evidence = get_evidence(actor, evidence_id)
    _unit_staff_of(actor, evidence.unit_id)
    frozen = frozen_reason(evidence)
    if frozen:
        raise Conflict(frozen)
    clean = clean_meta(meta)
    conflict = Conflict(
        "Thông tin tài liệu vừa được người khác sửa trong lúc bạn đang sửa, nên thay đổi của bạn chưa được lưu. "
        "Biểu mẫu dưới đây hiện thông tin mới nhất; vui lòng xem lại và nhập lại thay đổi."
    )
    if seen != fingerprint(evidence):
        raise conflict
    before = {field: getattr(evidence, field) for field in META_LABELS}
    if before == clean:
        return evidence
    result = db.session.execute(
        update(Evidence)
        .where(Evidence.id == evidence.id, *[_column_is(getattr(Evidence, f), v) for f, v in before.items()])
        .values(**clean)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise conflict
    audit.record("evidence.updated", actor=actor, target=evidence, before=before, after=clean)
    db.session.commit()
    db.session.refresh(evidence)
    return evidence


def delete(actor, evidence_id: int, *, storage: Storage | None = None) -> None:
    """Remove a file that no item cites. The row goes first (in one transaction with its audit record); the bytes
    after the commit, so a failure never leaves a row pointing at nothing."""
    evidence = get_evidence(actor, evidence_id)
    _unit_staff_of(actor, evidence.unit_id)
    cited = db.session.execute(
        select(func.count(EvidenceLink.id)).where(EvidenceLink.evidence_id == evidence.id)
    ).scalar_one()
    if cited:
        raise Conflict(
            f"Tài liệu «{evidence.original_name}» đang được dẫn chứng cho {cited} tiêu chí nên không xoá được. "
            "Hãy bỏ liên kết ở các tiêu chí đó trước (tài liệu đã dùng trong hồ sơ đã nộp thì được giữ lại)."
        )
    key, summary = evidence.storage_key, _summary(evidence)
    audit.record("evidence.deleted", actor=actor, target=evidence, before=summary)
    db.session.delete(evidence)
    try:
        db.session.commit()
    except IntegrityError as err:  # somebody cited it in the meantime
        db.session.rollback()
        raise Conflict(
            f"Tài liệu «{summary['original_name']}» vừa được dẫn chứng cho một tiêu chí nên không xoá được."
        ) from err
    try:
        (storage or get_storage()).delete(key)
    except Exception:
        log.exception("evidence %s deleted but its stored file %s was not", evidence_id, key)
