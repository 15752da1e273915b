"""Criteria versions: reading within the authority, copying, locking, small edits of drafts, the shipped sample,
comparing two versions, and the bridge to the results engine. Changes: permission check → change → audit, one
transaction. Only the secretariat (and the administrator) change criteria; everyone in the authority reads them."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm.attributes import flag_modified

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import current_scope
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring import engine
from dvcq.scoring.models import (
    Campaign,
    CampaignCriteria,
    ClassificationLevel,
    CriteriaNode,
    CriteriaVersion,
    DisqualifyingCondition,
    NodeKind,
    VersionStatus,
)
from dvcq.tenants.models import Unit, UnitKind

MANAGERS = (Role.SECRETARIAT, Role.ADMIN)
DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_NAME = "Bộ tiêu chí mẫu khối xã (do nền tảng soạn, thay bằng bộ tiêu chí chính thức của tỉnh)"
SAMPLE_DESCRIPTION = (
    "Bộ tiêu chí mẫu cho xã, phường, thị trấn, do dự án tự biên soạn theo tinh thần Kết luận số 114-KL/TW, Chỉ thị "
    "số 16/CT-TTg, Chỉ thị số 33/CT-TTg và Luật Thực hiện dân chủ ở cơ sở năm 2022. Không phải văn bản chính thức: "
    "điểm số và cách chấm chỉ mang tính minh họa. Thay bằng bộ tiêu chí chính thức của tỉnh trước khi đánh giá thật."
)
AGENCY_SAMPLE_NAME = "Bộ tiêu chí mẫu khối cơ quan (do nền tảng soạn, thay bằng bộ tiêu chí chính thức của tỉnh)"
AGENCY_SAMPLE_DESCRIPTION = (
    "Bộ tiêu chí mẫu cho các cơ quan chuyên môn, đơn vị sự nghiệp thuộc UBND huyện (tỉnh), tối đa 90 điểm, do dự án "
    "tự biên soạn theo tinh thần Kết luận số 114-KL/TW, Chỉ thị số 16/CT-TTg, Chỉ thị số 33/CT-TTg và Chương III "
    "(thực hiện dân chủ trong cơ quan, đơn vị) của Luật Thực hiện dân chủ ở cơ sở năm 2022. Không phải văn bản chính "
    "thức: điểm số và cách chấm chỉ mang tính minh họa. Thay bằng bộ tiêu chí chính thức trước khi đánh giá thật."
)
COMMUNE_SAMPLE, AGENCY_SAMPLE = "xa", "co_quan"


@dataclass(frozen=True)
class Sample:
    """A shipped sample criteria set: its three CSV files (dvcq/scoring/data, see its README) and how it is named."""

    files: tuple[str, str, str]  # criteria, levels, conditions
    name: str
    description: str
    filename: str


SAMPLES = {
    COMMUNE_SAMPLE: Sample(
        ("tieu_chi_mau.csv", "xep_loai_mau.csv", "dieu_kien_mau.csv"),
        SAMPLE_NAME,
        SAMPLE_DESCRIPTION,
        "bo_tieu_chi_mau.xlsx",
    ),
    AGENCY_SAMPLE: Sample(
        ("tieu_chi_mau_co_quan.csv", "xep_loai_mau_co_quan.csv", "dieu_kien_mau_co_quan.csv"),
        AGENCY_SAMPLE_NAME,
        AGENCY_SAMPLE_DESCRIPTION,
        "bo_tieu_chi_mau_co_quan.xlsx",
    ),
}
NOT_FOUND = "Không tìm thấy bộ tiêu chí."


# ---------------------------------------------------------------- who may do what


def check_can_manage(actor, authority_id: int) -> None:
    """The CLI and the demo act as the system (actor None); on the web, the secretariat or the administrator of
    this authority."""
    if actor is None:
        return
    require(actor, *MANAGERS)
    if actor.unit.authority_id != authority_id:
        raise Forbidden("Tài khoản của bạn không thuộc cơ quan đánh giá này.")


def can_manage(user) -> bool:
    return getattr(user, "role", None) in MANAGERS


def _authority_of_scope() -> int | None:
    """None for the system scope (it sees every authority)."""
    scope = current_scope()
    if scope is None:
        raise NotFound(NOT_FOUND)
    return None if scope.system else scope.authority_id


def find_version(version_id: int) -> CriteriaVersion | None:
    """A version of the scope's authority, or None — another authority's version is as missing as one that never
    was. (The tenancy guard filters TenantScoped rows; criteria versions are checked here.)"""
    version = db.session.get(CriteriaVersion, version_id)
    if version is None:
        return None
    authority_id = _authority_of_scope()
    if authority_id is not None and version.authority_id != authority_id:
        return None
    return version


def get_version(version_id: int) -> CriteriaVersion:
    version = find_version(version_id)
    if version is None:
        raise NotFound(NOT_FOUND)
    return version


def node_of(version: CriteriaVersion, node_id: int) -> CriteriaNode | None:
    """The criterion of that id in this version; None for a missing one or one of another version."""
    node = db.session.get(CriteriaNode, node_id)
    return node if node is not None and node.version_id == version.id else None


def campaigns_using(version_id: int) -> list[Campaign]:
    """The campaigns with a group scored on this version, newest first."""
    used = select(CampaignCriteria.campaign_id).where(CampaignCriteria.version_id == version_id)
    return list(
        db.session.execute(select(Campaign).where(Campaign.id.in_(used)).order_by(Campaign.year.desc())).scalars()
    )


def is_locked(version: CriteriaVersion) -> bool:
    """Frozen by a campaign: status in_use, or pinned by any campaign even if the campaign forgot to lock it."""
    return version.frozen or bool(campaigns_using(version.id))


def _refuse_if_locked(version: CriteriaVersion) -> None:
    if is_locked(version):
        raise Conflict(
            f"Bộ tiêu chí «{version.name}» đang được kỳ đánh giá sử dụng nên đã khoá: không thể sửa, xoá hay nhập "
            "đè. Hãy sao chép thành phiên bản mới để thay đổi."
        )


def editable_version(version_id: int, authority_id: int | None = None) -> CriteriaVersion:
    """A draft version of the authority that may still change; a locked one is refused (409)."""
    version = get_version(version_id)
    if authority_id is not None and version.authority_id != authority_id:
        raise NotFound(NOT_FOUND)
    _refuse_if_locked(version)
    return version


def visible_to_unit(version: CriteriaVersion) -> bool:
    """Communes and agencies read the versions their campaigns use, never the authority's drafts."""
    return bool(campaigns_using(version.id))


# ---------------------------------------------------------------- reading


def summary(version: CriteriaVersion) -> dict:
    nodes = version.nodes
    return {
        "name": version.name,
        "status": version.status,
        "nodes": len(nodes),
        "leaves": sum(1 for n in nodes if n.is_leaf and n.kind == NodeKind.NORMAL),
        "areas": sum(1 for n in nodes if n.parent_id is None and n.kind == NodeKind.NORMAL),
        "max_total": version.max_total,
        "levels": [(lv.order, lv.name, lv.min_points) for lv in version.levels],
        "conditions": [c.code for c in version.conditions],
    }


@dataclass
class VersionRow:
    version: CriteriaVersion
    leaves: int
    campaigns: list[Campaign]
    locked: bool


def versions_of(authority_id: int) -> list[VersionRow]:
    """The authority's versions, newest first, with their number of leaves and the campaigns that use them."""
    versions = list(
        db.session.execute(
            select(CriteriaVersion)
            .where(CriteriaVersion.authority_id == authority_id)
            .order_by(CriteriaVersion.created_at.desc(), CriteriaVersion.id.desc())
        ).scalars()
    )
    ids = [v.id for v in versions]
    leaves = dict(
        db.session.execute(
            select(CriteriaNode.version_id, func.count())
            .where(
                CriteriaNode.version_id.in_(ids),
                CriteriaNode.is_leaf.is_(True),
                CriteriaNode.kind == NodeKind.NORMAL,
            )
            .group_by(CriteriaNode.version_id)
        ).all()
    )
    campaigns: dict[int, list[Campaign]] = {}
    for version_id, campaign in db.session.execute(
        select(CampaignCriteria.version_id, Campaign)
        .join(Campaign, Campaign.id == CampaignCriteria.campaign_id)
        .where(CampaignCriteria.version_id.in_(ids))
        .distinct()
        .order_by(Campaign.year.desc())
    ).all():
        campaigns.setdefault(version_id, []).append(campaign)
    return [
        VersionRow(v, leaves.get(v.id, 0), campaigns.get(v.id, []), v.frozen or bool(campaigns.get(v.id)))
        for v in versions
    ]


def authority_by_code(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == code.strip())).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"Không có đơn vị mã «{code}».")
    if not unit.is_authority:
        raise ServiceError(f"«{unit.name}» không phải cơ quan đánh giá (huyện hoặc tỉnh).")
    return unit


def default_authority() -> Unit:
    """The only district/province that has member units; refused when there are none or several."""
    members = select(Unit.authority_id).where(Unit.authority_id != Unit.id).distinct()
    authorities = list(
        db.session.execute(
            select(Unit).where(Unit.kind.in_([UnitKind.TINH, UnitKind.HUYEN]), Unit.id.in_(members)).order_by(Unit.code)
        ).scalars()
    )
    if len(authorities) == 1:
        return authorities[0]
    if not authorities:
        raise ServiceError("Chưa có cơ quan đánh giá nào có đơn vị trực thuộc; hãy nhập danh sách đơn vị trước.")
    codes = ", ".join(a.code for a in authorities)
    raise ServiceError(f"Có nhiều cơ quan đánh giá ({codes}): hãy chọn một bằng --authority MÃ.")


# ---------------------------------------------------------------- changing


def lock_version(actor, version_id: int) -> CriteriaVersion:
    """Freeze a version because a campaign pins it. Does not commit: the campaign's service (which checked its own
    permission) commits with its own change, in one transaction. Locking a locked version changes nothing."""
    version = get_version(version_id)
    if version.status != VersionStatus.IN_USE:
        version.status = VersionStatus.IN_USE
        audit.record(
            "criteria.locked",
            actor=actor,
            unit_id=version.authority_id,
            target=version,
            before={"status": VersionStatus.DRAFT},
            after={"status": VersionStatus.IN_USE},
        )
        db.session.flush()
    return version


def copy_version(actor, version_id: int, name: str | None = None) -> CriteriaVersion:
    """A new draft that starts as a copy of `version_id` (based_on_id set): how a new version begins."""
    from dvcq.scoring.criteria.imports import add_levels_and_conditions, node_like

    source = get_version(version_id)
    check_can_manage(actor, source.authority_id)
    name = (name or "").strip() or f"{source.name} (bản sao)"
    if len(name) > 200:
        raise ServiceError("Tên bộ tiêu chí dài quá 200 ký tự.")
    copy = CriteriaVersion(
        authority_id=source.authority_id,
        name=name,
        description=source.description,
        status=VersionStatus.DRAFT,
        is_sample=source.is_sample,
        based_on_id=source.id,
        tie_break=source.tie_break,
        max_total=source.max_total,
        created_at=clock.now(),
        created_by_id=getattr(actor, "id", None),
    )
    made: dict[int, CriteriaNode] = {}
    for node in source.nodes:
        twin = node_like(node, position=node.position, depth=node.depth)
        twin.parent = made.get(node.parent_id) if node.parent_id else None
        made[node.id] = twin
        copy.nodes.append(twin)
    add_levels_and_conditions(copy, source.levels, source.conditions)
    audit.record_new(
        copy, "criteria.copied", actor=actor, unit_id=copy.authority_id, after={**summary(copy), "based_on": source.id}
    )
    db.session.commit()
    return copy


def _check_seen(version: CriteriaVersion, seen: int | None) -> None:
    if seen is not None and seen != version.version:
        raise Conflict(
            "Bộ tiêu chí vừa được người khác thay đổi sau khi bạn mở trang. Vui lòng tải lại trang, xem thay đổi "
            "rồi sửa lại; chưa có gì được lưu."
        )


def _commit_or_conflict() -> None:
    commit_or_conflict("Bộ tiêu chí vừa được người khác thay đổi. Vui lòng tải lại trang; chưa có gì được lưu.")


def rename_version(actor, version_id: int, version: int | None, name: str, description: str = "") -> CriteriaVersion:
    target = editable_version(version_id)
    check_can_manage(actor, target.authority_id)
    _check_seen(target, version)
    name, description = _plain_text(name or ""), _plain_text(description or "")
    if not name:
        raise ServiceError("Tên bộ tiêu chí không được để trống.")
    if len(name) > 200:
        raise ServiceError("Tên bộ tiêu chí dài quá 200 ký tự.")
    before = {"name": target.name, "description": target.description}
    target.name, target.description = name, description
    audit.record(
        "criteria.renamed",
        actor=actor,
        unit_id=target.authority_id,
        target=target,
        before=before,
        after={"name": name, "description": description},
    )
    _commit_or_conflict()
    return target


def _plain_text(text: str) -> str:
    """NFC, Windows line ends and Word's vertical tabs as newlines, no other control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\v", "\n")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


def update_node(
    actor, node_id: int, version: int | None, *, name: str | None = None, guidance: str | None = None
) -> CriteriaNode:
    """Small edits of a draft version's texts (name, guidance). `version` is the version number the user saw; a
    change by someone else in between is a conflict, never a silent overwrite."""
    node = db.session.get(CriteriaNode, node_id)
    if node is None or find_version(node.version_id) is None:
        raise NotFound("Không tìm thấy tiêu chí.")
    owner = editable_version(node.version_id)
    check_can_manage(actor, owner.authority_id)
    _check_seen(owner, version)
    before = {"name": node.name, "guidance": node.guidance}
    if name is not None:
        name = _plain_text(name)
        if not name:
            raise ServiceError("Tên tiêu chí không được để trống.")
        node.name = name
    if guidance is not None:
        node.guidance = _plain_text(guidance)
    after = {"name": node.name, "guidance": node.guidance}
    if after == before:
        return node
    flag_modified(owner, "name")  # bump the version's counter: the next stale form is refused
    audit.record(
        "criteria.node_updated",
        actor=actor,
        unit_id=owner.authority_id,
        target=node,
        before=before,
        after=after,
        reason=f"{owner.name} · {node.code}",
    )
    _commit_or_conflict()
    return node


def delete_draft(actor, version_id: int, version: int | None = None) -> None:
    target = editable_version(version_id)
    check_can_manage(actor, target.authority_id)
    _check_seen(target, version)
    for child in db.session.execute(select(CriteriaVersion).where(CriteriaVersion.based_on_id == target.id)).scalars():
        child.based_on_id = None
    audit.record("criteria.deleted", actor=actor, unit_id=target.authority_id, target=target, before=summary(target))
    clear_contents(target)
    db.session.delete(target)
    _commit_or_conflict()


def clear_contents(version: CriteriaVersion) -> None:
    """Remove a draft's nodes, levels and conditions (before a re-import or a deletion). One DELETE per table: the
    nodes' references to their parents are checked at the end of the statement."""
    for model in (CriteriaNode, ClassificationLevel, DisqualifyingCondition):
        db.session.execute(delete(model).where(model.version_id == version.id))
    db.session.expire(version, ["nodes", "levels", "conditions"])


def sample_workbook(kind: str = COMMUNE_SAMPLE) -> bytes:
    """A shipped sample (dvcq/scoring/data/*.csv, see its README) as a Criteria version workbook in memory."""
    from dvcq.platform import workbooks
    from dvcq.scoring.criteria.imports import SHEET_CONDITIONS, SHEET_CRITERIA, SHEET_LEVELS

    workbook = workbooks.new_workbook()
    sheets = list(zip((SHEET_CRITERIA, SHEET_LEVELS, SHEET_CONDITIONS), SAMPLES[kind].files, strict=True))
    for index, (title, filename) in enumerate(sheets):
        ws = workbook.active if index == 0 else workbook.create_sheet()
        ws.title = title
        text = (DATA / filename).read_text(encoding="utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            workbooks.append(ws, [cell if cell != "" else None for cell in row])
    return workbooks.save(workbook)


def load_sample(authority_id: int, actor=None, kind: str = COMMUNE_SAMPLE) -> CriteriaVersion:
    """Import a shipped sample (communes' or agencies') through the same importer, marked as a sample to be
    replaced."""
    from dvcq.scoring.criteria.imports import import_criteria

    sample = SAMPLES[kind]
    return import_criteria(
        actor=actor,
        authority_id=authority_id,
        filename=sample.filename,
        data=sample_workbook(kind),
        name=sample.name,
        description=sample.description,
        is_sample=True,
    )


def sample_version(authority_id: int, kind: str = COMMUNE_SAMPLE) -> CriteriaVersion | None:
    """The authority's copy of a shipped sample, found by its name (the oldest, if loaded twice)."""
    return db.session.execute(
        select(CriteriaVersion)
        .where(
            CriteriaVersion.authority_id == authority_id,
            CriteriaVersion.is_sample.is_(True),
            CriteriaVersion.name == SAMPLES[kind].name,
        )
        .order_by(CriteriaVersion.id)
        .limit(1)
    ).scalar_one_or_none()


# ---------------------------------------------------------------- the results engine


def engine_tree(version: CriteriaVersion) -> tuple[tuple[engine.CriteriaNode, ...], engine.Rules]:
    """The version as the pure engine's data: nodes in tree order and the rules (levels, tie-break)."""
    codes = {n.id: n.code for n in version.nodes}
    nodes = tuple(
        engine.CriteriaNode(
            code=n.code,
            parent_code=codes[n.parent_id] if n.parent_id else None,
            name=n.name,
            max_points=n.max_points,
            kind=n.kind.value,
        )
        for n in version.nodes
    )
    rules = engine.Rules(
        levels=tuple(engine.Level(lv.order, lv.name, lv.min_points) for lv in version.levels),
        tie_break=version.tie_break,
    )
    return nodes, rules


def engine_conditions(version: CriteriaVersion) -> dict[str, engine.Condition]:
    return {c.code: engine.Condition(c.code, c.name, c.effect, c.cap_order) for c in version.conditions}


# ---------------------------------------------------------------- comparing two versions


@dataclass
class Change:
    code: str
    name: str
    fields: list[tuple[str, str, str]]  # (what, before, after)


@dataclass
class Comparison:
    added: list[CriteriaNode] = field(default_factory=list)
    removed: list[CriteriaNode] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    levels: list[tuple[str, str, str]] = field(default_factory=list)
    conditions: list[tuple[str, str, str]] = field(default_factory=list)
    totals: tuple[Decimal, Decimal] | None = None

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed or self.levels or self.conditions or self.totals)


def _node_fields(node: CriteriaNode) -> dict[str, str]:
    from dvcq.scoring.criteria.exports import kind_text

    pts = engine.format_points
    return {
        "Tên": node.name,
        "Điểm tối đa": pts(node.max_points),
        "Cách chấm": node.method.label if node.method else "",
        "Bước điểm": pts(node.step) if node.step is not None else "",
        "Tài liệu kiểm chứng": ("có" if node.evidence_required else "không") if node.is_leaf else "",
        "Hướng dẫn chấm": node.guidance,
        "Loại": kind_text(node),
        "Tiêu chí thành phần": "có" if not node.is_leaf else "không",
    }


def compare(old: CriteriaVersion, new: CriteriaVersion) -> Comparison:
    """What changed from `old` to `new`, item by item (matched by code), plus levels, conditions and the total."""
    result = Comparison()
    before = {n.code: n for n in old.nodes}
    after = {n.code: n for n in new.nodes}
    result.removed = [n for n in old.nodes if n.code not in after]
    result.added = [n for n in new.nodes if n.code not in before]
    for node in new.nodes:
        if node.code not in before:
            continue
        a, b = _node_fields(before[node.code]), _node_fields(node)
        diffs = [(key, a[key], b[key]) for key in a if a[key] != b[key]]
        if diffs:
            result.changed.append(Change(node.code, node.name, diffs))
    old_levels = {lv.order: lv for lv in old.levels}
    new_levels = {lv.order: lv for lv in new.levels}
    for order in sorted(set(old_levels) | set(new_levels)):
        a, b = old_levels.get(order), new_levels.get(order)
        text_a = f"{a.name} (từ {engine.format_points(a.min_points)})" if a else "—"
        text_b = f"{b.name} (từ {engine.format_points(b.min_points)})" if b else "—"
        if text_a != text_b:
            result.levels.append((f"Mức {order}", text_a, text_b))
    old_conditions = {c.code: c for c in old.conditions}
    new_conditions = {c.code: c for c in new.conditions}
    for code in sorted(set(old_conditions) | set(new_conditions)):
        text_a, text_b = _condition_text(old_conditions.get(code)), _condition_text(new_conditions.get(code))
        if text_a != text_b:
            result.conditions.append((code, text_a, text_b))
    if old.max_total != new.max_total:
        result.totals = (old.max_total, new.max_total)
    return result


def _condition_text(condition: DisqualifyingCondition | None) -> str:
    if condition is None:
        return "—"
    if condition.effect == "cap":
        return f"{condition.name} — giới hạn tối đa mức {condition.cap_order}"
    return f"{condition.name} — không xếp loại"
