"""Citing a library file for an item of the unit's self-assessment (with the page or section of the proof), and
withdrawing the citation."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dvcq.platform import audit, clock
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.evidence.services import NOT_FOUND, UNIT_ROLES
from dvcq.scoring.models import Evidence, EvidenceLink, ItemScore
from dvcq.scoring.selfassessment.rules import assert_editable


def _page_ref(text: str | None) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).strip()
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ServiceError("Trang/mục dẫn chứng có ký tự điều khiển không hợp lệ.")
    if len(text) > 200:
        raise ServiceError(f"Trang/mục dẫn chứng dài {len(text)} ký tự, tối đa 200 ký tự.")
    return text


@dataclass
class _Cited:
    item: ItemScore
    evidence: Evidence


def _item_and_evidence(actor, item_id: int, evidence_id: int) -> _Cited:
    require(actor, *UNIT_ROLES)
    item = db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one_or_none()
    evidence = db.session.execute(select(Evidence).where(Evidence.id == evidence_id)).scalar_one_or_none()
    if item is None or evidence is None or item.unit_id != actor.unit_id or evidence.unit_id != item.unit_id:
        raise NotFound(NOT_FOUND)
    return _Cited(item, evidence)


def link(actor, item_id: int, evidence_id: int, page_ref: str | None = "") -> EvidenceLink:
    """Cite a library file for an item of the unit's self-assessment, with the page or section of the proof.
    One file may support several items and an item may cite several files; both must be the unit's own."""
    cited = _item_and_evidence(actor, item_id, evidence_id)
    page_ref = _page_ref(page_ref)
    assert_editable(cited.item.assessment)
    existing = db.session.execute(
        select(EvidenceLink).where(EvidenceLink.item_id == item_id, EvidenceLink.evidence_id == evidence_id)
    ).scalar_one_or_none()
    if existing is not None:
        raise ServiceError(
            f"Tài liệu «{cited.evidence.original_name}» đã được gắn cho tiêu chí {cited.item.node.code} rồi."
        )
    row = EvidenceLink(
        unit_id=cited.item.unit_id,
        item_id=item_id,
        evidence_id=evidence_id,
        page_ref=page_ref,
        added_by_id=actor.id,
        added_at=clock.now(),
        stage="self",
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same link saved a moment ago by somebody else
        db.session.rollback()
        raise Conflict("Tài liệu này vừa được gắn cho tiêu chí này. Vui lòng tải lại trang.") from err
    audit.record(
        "evidence.linked",
        actor=actor,
        target=row,
        after={
            "item": cited.item.node.code,
            "item_id": item_id,
            "evidence": cited.evidence.original_name,
            "evidence_id": evidence_id,
            "page_ref": page_ref,
        },
    )
    db.session.commit()
    return row


def unlink(actor, link_id: int) -> None:
    """Stop citing a file for an item (the file stays in the library)."""
    require(actor, *UNIT_ROLES)
    row = db.session.execute(select(EvidenceLink).where(EvidenceLink.id == link_id)).scalar_one_or_none()
    if row is None or row.unit_id != actor.unit_id:
        raise NotFound(NOT_FOUND)
    assert_editable(row.item.assessment)
    audit.record(
        "evidence.unlinked",
        actor=actor,
        target=row,
        before={
            "item": row.item.node.code,
            "item_id": row.item_id,
            "evidence": row.evidence.original_name,
            "evidence_id": row.evidence_id,
            "page_ref": row.page_ref,
        },
    )
    db.session.delete(row)
    db.session.commit()
