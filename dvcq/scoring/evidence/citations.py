"""Citing a library file for an item of the unit's self-assessment (with the page or section of the proof), for
several items at once, and withdrawing the citation; the page a citation points to, for the in-page viewer."""

from __future__ import annotations

import re
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


def item_to_cite(actor, item_id: int) -> ItemScore:
    """An item of the actor's unit whose evidence may still change (404 for another unit's, 409 once locked)."""
    require(actor, *UNIT_ROLES)
    item = db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one_or_none()
    if item is None or item.unit_id != actor.unit_id:
        raise NotFound(NOT_FOUND)
    assert_editable(item.assessment)
    return item


def link(actor, item_id: int, evidence_id: int, page_ref: str | None = "") -> EvidenceLink:
    """Cite a library file for an item of the unit's self-assessment, with the page or section of the proof.
    One file may support several items and an item may cite several files; both must be the unit's own."""
    cited = _item_and_evidence(actor, item_id, evidence_id)
    row = _add(actor, cited, _page_ref(page_ref))
    db.session.commit()
    return row


def link_many(actor, evidence_id: int, item_ids, page_refs: dict[int, str] | None = None) -> list[EvidenceLink]:
    """Cite one file for several items in one go (each with its own page or section): all of them or, on any
    refusal, none. Items already citing the file are left as they are."""
    page_refs = page_refs or {}
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        raise ServiceError("Chưa chọn tiêu chí nào để dẫn tài liệu.")
    # Every item and page checked before the first citation is written: a refusal leaves nothing behind.
    wanted = []
    for item_id in ids:
        cited = _item_and_evidence(actor, item_id, evidence_id)
        assert_editable(cited.item.assessment)
        if not any(link.evidence_id == evidence_id for link in cited.item.evidence_links):
            wanted.append((cited, _page_ref(page_refs.get(item_id))))
    rows = [_add(actor, cited, page_ref) for cited, page_ref in wanted]
    db.session.commit()
    return rows


def _add(actor, cited: _Cited, page_ref: str) -> EvidenceLink:
    """The citation and its audit record, flushed, not committed."""
    item_id, evidence_id = cited.item.id, cited.evidence.id
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
    audit.record("evidence.linked", actor=actor, target=row, after=_audited(row))
    return row


def _audited(row: EvidenceLink) -> dict:
    """What the audit log keeps of a citation."""
    return {
        "item": row.item.node.code,
        "item_id": row.item_id,
        "evidence": row.evidence.original_name,
        "evidence_id": row.evidence_id,
        "page_ref": row.page_ref,
    }


# "tr. 3", "trang 12", "tr.3-5, mục II", "p. 4", or a bare page number ("3", "3-5", "3, mục II"); never the number of a
# document ("15/BC-UBND") or a section ("mục 2").
_PAGE = re.compile(r"(?:\btr(?:ang)?\b\.?|\bp(?:age)?\b\.?)\s*(\d{1,4})|^\s*(\d{1,4})\s*(?:$|[,;\-–])", re.IGNORECASE)


def cited_page(page_ref: str | None) -> int | None:
    """The page a citation points to, for the viewer's `#page=N` (None when it names no page, e.g. "mục II")."""
    match = _PAGE.search(unicodedata.normalize("NFC", page_ref or ""))
    if match is None:
        return None
    page = int(match.group(1) or match.group(2))
    return page if page >= 1 else None


def unlink(actor, link_id: int) -> None:
    """Stop citing a file for an item (the file stays in the library)."""
    require(actor, *UNIT_ROLES)
    row = db.session.execute(select(EvidenceLink).where(EvidenceLink.id == link_id)).scalar_one_or_none()
    if row is None or row.unit_id != actor.unit_id:
        raise NotFound(NOT_FOUND)
    assert_editable(row.item.assessment)
    audit.record("evidence.unlinked", actor=actor, target=row, before=_audited(row))
    db.session.delete(row)
    db.session.commit()
