"""Importing past years' results (the years before the platform) from the Past results spreadsheet:
Năm · Mã đơn vị · Tên đơn vị · Khối · Điểm tự chấm · Điểm thẩm định · Xếp hạng · Xếp loại.

Empty ranks and levels are computed with the levels of each group's criteria version (ranks per year and group, ties
shared): communes and agencies may be on different sets, with different maxima and thresholds.
All or nothing: every bad row is listed (row, column, what is wrong) and nothing is written. Re-importing a year
replaces that year's imported rows.

Read as officials write it (platform/spreadsheets.py, like every importer): the header under title rows, with notes
or other names; a row of column numbers; points as text with a decimal comma («85,50», «85,5 điểm»); a year «2023»
or «Năm 2023»; a rank «2», «02/19» or «2/19» (its «/19» must be the group's size in the file); a level by its name
in any case or accents, its short name («Hoàn thành tốt») or initials («HTT», «HTXSNV»); a code with stray spaces or
in other capitals; a unit's name instead of its code when it names one unit. Refused as ambiguous: a level text two
levels could mean, a unit name two units bear, a rank the points contradict (more points, no better rank).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.errors import NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points
from dvcq.platform.spreadsheets import (
    Choices,
    Layout,
    Problems,
    normalise,
    read_code,
    read_date,
    read_points,
    read_tables,
    sheet_from_table,
    sheets_named,
)
from dvcq.scoring import engine
from dvcq.scoring.models import Campaign, CriteriaVersion, UnitResult
from dvcq.scoring.results.compute import NO_GROUP, SOURCE_IMPORT
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.tenants.models import Unit, UnitGroup

REQUIRED = {"year": "Năm", "code": "Mã đơn vị", "appraised": "Điểm thẩm định"}
OPTIONAL = {
    "name": "Tên đơn vị",
    "group": "Khối",
    "self": "Điểm tự chấm",
    "rank": "Xếp hạng",
    "level": "Xếp loại",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định",
}
# Other headers officials write for the same columns; a unit's name may stand in for its code.
ALIASES = {
    "Năm đánh giá": "year",
    "Mã ĐV": "code",
    "Tên ĐV": "name",
    "Đơn vị": "name",
    "Khối thi đua": "group",
    "Tự chấm": "self",
    "Điểm tự đánh giá": "self",
    "Đơn vị tự chấm": "self",
    "Thẩm định": "appraised",
    "Điểm sau thẩm định": "appraised",
    "Thứ hạng": "rank",
    "Hạng": "rank",
    "Kết quả xếp loại": "level",
    "Mức xếp loại": "level",
    "Số QĐ": "decision_number",
    "Quyết định số": "decision_number",
    "Ngày QĐ": "decision_date",
    "Ngày ký quyết định": "decision_date",
}
STAND_INS = {"code": "name"}
# The optional second sheet: each unit's points per area (lĩnh vực), for the years of the first sheet.
AREA_SHEET = "TheoLinhVuc"
AREA_REQUIRED = {"year": "Năm", "code": "Mã đơn vị", "area": "Mã lĩnh vực"}
AREA_OPTIONAL = {"self": "Điểm tự chấm", "appraised": "Điểm thẩm định"}
AREA_ALIASES = {"Năm đánh giá": "year", "Mã ĐV": "code", "Lĩnh vực": "area", "Mã LV": "area", "Tự chấm": "self"}
WHAT = "kết quả các năm trước"
_RANK = re.compile(r"(?:hạng|hang|thứ|thu)?\s*0*([0-9]+)(?:\s*/\s*0*([0-9]+))?", re.IGNORECASE)
_YEAR = re.compile(r"(?:năm|nam)?\s*([0-9]{4})", re.IGNORECASE)
_KIND_WORDS = re.compile(r"(?:xã|phường|thị trấn|đặc khu|xa|phuong|thi tran|dac khu)\s+", re.IGNORECASE)


@dataclass
class _Row:
    line: int
    year: int
    unit: Unit
    group_name: str
    self_total: Decimal | None
    appraised_total: Decimal
    rank: int | None
    level: tuple[int | None, str, bool] | None  # (order, name, disqualified) when given
    rank_of: int | None = None  # the «19» of «02/19» when written
    decision_number: str = ""  # the year's decision (Số quyết định, Ngày quyết định) when written
    decision_date: date | None = None
    self_by_area: dict[str, Decimal] = field(default_factory=dict)  # the TheoLinhVuc sheet, area code → points
    by_area: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class ImportReport:
    authority: Unit
    version: CriteriaVersion  # for the groups given no version of their own
    imported: dict[int, int] = field(default_factory=dict)  # year → rows written
    replaced: dict[int, int] = field(default_factory=dict)  # year → imported rows replaced
    versions: dict[str, CriteriaVersion] = field(default_factory=dict)  # group name → the version its rows used

    def lines(self) -> list[str]:
        out = []
        for year in sorted(self.imported):
            line = f"Năm {year}: đã nhập {self.imported[year]} đơn vị"
            if self.replaced.get(year):
                line += f" (thay thế {self.replaced[year]} dòng đã nhập trước đó của năm này)"
            out.append(line + ".")
        used = {v.id: v for v in self.versions.values()} or {self.version.id: self.version}
        if len(used) == 1:
            only = next(iter(used.values()))
            out.append(f"Xếp loại theo bộ tiêu chí «{only.name}» (mã {only.id}).")
        else:
            for group, v in sorted(self.versions.items()):
                out.append(f"{group}: xếp loại theo bộ tiêu chí «{v.name}» (mã {v.id}).")
        return out


def authority_by_code(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == (code or "").strip())).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"Không có đơn vị mã «{code}».")
    if not unit.is_authority:
        raise ServiceError(f"«{unit.name}» không phải cơ quan đánh giá (huyện hoặc tỉnh).")
    return unit


def criteria_version(authority: Unit, version_id: int | None) -> CriteriaVersion:
    """The given version (which must be the authority's) or the authority's newest."""
    if version_id is not None:
        version = db.session.get(CriteriaVersion, version_id)
        if version is None or version.authority_id != authority.id:
            raise ServiceError(f"Không có bộ tiêu chí mã {version_id} của {authority.name}.")
        return version
    version = db.session.execute(
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == authority.id)
        .order_by(CriteriaVersion.created_at.desc(), CriteriaVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if version is None:
        raise ServiceError(
            f"{authority.name} chưa có bộ tiêu chí nào để xếp loại: hãy nhập bộ tiêu chí trước "
            "(dvcq criteria import) rồi nhập lại kết quả."
        )
    return version


def group_versions(authority: Unit) -> dict[str, CriteriaVersion]:
    """{group name: version} as the authority's newest campaign scored its groups: each group's default."""
    latest = db.session.execute(
        select(Campaign).where(Campaign.authority_id == authority.id).order_by(Campaign.year.desc()).limit(1)
    ).scalar_one_or_none()
    return {c.group.name: c.criteria_version for c in latest.criteria} if latest else {}


def import_file(
    path: str | Path,
    *,
    authority_code: str,
    criteria_version_id: int | None = None,
    group_criteria: dict[str, int] | None = None,
    actor=None,
    data: bytes | None = None,
) -> ImportReport:
    """`group_criteria`: {group name: version id} for the groups classified on their own version; the others use
    `criteria_version_id`, or else their version in the newest campaign, or else the authority's newest version."""
    path = Path(path)
    if data is None and not path.is_file():
        raise ServiceError(f"Không tìm thấy tệp «{path}».")
    authority = authority_by_code(authority_code)
    by_group = {} if criteria_version_id is not None else group_versions(authority)
    by_group.update({name: criteria_version(authority, v) for name, v in (group_criteria or {}).items()})
    return import_tables(
        read_tables(path, data),
        authority=authority,
        version=criteria_version(authority, criteria_version_id),
        by_group=by_group,
        actor=actor,
        source=path.name,
    )


def _pick_sheet(tables: dict[str, list[list[str]]], problems: Problems):
    """The first sheet with the required columns; else the first sheet's missing columns are the problems."""
    for name, table in tables.items():
        if len(tables) > 1 and name in sheets_named(tables, AREA_SHEET):
            continue
        scratch = Problems()
        sheet = sheet_from_table(name, table, _layout(), problems=scratch)
        if sheet is not None:
            return sheet
    first = next(iter(tables.items()), None)
    if first is None:
        problems.add(None, None, "Tệp không có trang dữ liệu nào.")
        return None
    return sheet_from_table(first[0], first[1], _layout(), problems=problems)


def _layout() -> Layout:
    return Layout(REQUIRED, OPTIONAL, ALIASES, STAND_INS)


def _score(text: str, column: str, line: int, limit: Decimal, problems: Problems) -> Decimal | None:
    try:
        value = read_points(text)
    except ValueError as exc:
        problems.add(line, column, str(exc))
        return None
    if value < 0:
        problems.add(line, column, f"điểm {points(value)} không được âm")
        return None
    if value > limit:
        problems.add(line, column, f"điểm {points(value)} vượt quá điểm tối đa {points(limit)} của bộ tiêu chí")
        return None
    return value


@dataclass(frozen=True)
class _Set:
    """What classifying a group's rows needs from its criteria version."""

    version: CriteriaVersion
    rules: engine.Rules
    limit: Decimal
    levels: Choices  # → (order, name, disqualified)
    areas: dict[str, Decimal] = field(default_factory=dict)  # area code → its maximum


def _set_of(version: CriteriaVersion) -> _Set:
    inputs = engine_inputs(version.id)
    rules = engine.Rules(inputs.rules.levels)  # past years carry no area totals: ties share their rank
    levels = Choices()  # by name, short name («Hoàn thành tốt»), initials («HTT», «HTXSNV») or a telling word
    for lv in rules.levels:
        levels.add((lv.order, lv.name, False), lv.name, re.sub(r"(?i)\s+nhiệm vụ$", "", lv.name))
    levels.add((None, engine.LABEL_DISQUALIFIED, True), engine.LABEL_DISQUALIFIED)
    levels.add((None, engine.LABEL_UNCLASSIFIED, False), engine.LABEL_UNCLASSIFIED)
    areas = {a: inputs.tree.max_of[a] for a in inputs.tree.areas}
    return _Set(version, rules, inputs.tree.max_total, levels, areas)


def import_tables(
    tables: dict[str, list[list[str]]],
    *,
    authority: Unit,
    version: CriteriaVersion,
    by_group: dict[str, CriteriaVersion] | None = None,
    actor=None,
    source: str = "",
) -> ImportReport:
    """Check every row, then (only if all are good) replace the years' imported rows. Returns what was written.
    A row's limits and levels come from its group's version in `by_group` (group names, any case and accents), else
    from `version`."""
    problems = Problems()
    sheet = _pick_sheet(tables, problems)
    if sheet is None:
        problems.raise_if_any(WHAT)
    if not sheet.rows:
        problems.add(None, None, "Tệp không có dòng dữ liệu nào.")
        problems.raise_if_any(WHAT)
    col = {key: sheet.columns.get(key, header) for key, header in {**REQUIRED, **OPTIONAL}.items()}
    sets: dict[int, _Set] = {}
    chosen = {normalise(name): v for name, v in (by_group or {}).items()}

    def set_for(group_name: str) -> _Set:
        v = chosen.get(normalise(group_name), version)
        if v.id not in sets:
            sets[v.id] = _set_of(v)
        return sets[v.id]

    units = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    members = [u for u in units.values() if u.authority_id == authority.id and u.id != authority.id]
    by_name = Choices(readings=1, accents=True)  # «Xã Ba Động» or «Ba Động»; never «Xa Ba Dong» if «Ba Đông» exists
    folded: dict[str, list[Unit]] = defaultdict(list)  # a member's code in lower case → the members
    for u in members:
        by_name.add(u, u.name, _KIND_WORDS.sub("", u.name, count=1) if _KIND_WORDS.match(u.name) else "")
        folded[u.code.casefold()].append(u)
    groups = {
        normalise(g.name): g.name
        for g in db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == authority.id)).scalars()
    }
    campaigns = {
        c.year: c for c in db.session.execute(select(Campaign).where(Campaign.authority_id == authority.id)).scalars()
    }

    rows: list[_Row] = []
    incomplete: set[tuple[int, str] | None] = set()  # (year, group) with a bad row; None: a bad row of no year
    seen: dict[tuple[int, int], int] = {}
    for line, values in sheet.rows:
        ok = True
        year = None
        text = values["year"].strip()
        written_year = _YEAR.fullmatch(text)  # «2023», «Năm 2023»
        if not text:
            problems.add(line, col["year"], "thiếu năm")
            ok = False
        elif written_year is None or not 1990 <= int(written_year.group(1)) <= 2100:
            problems.add(line, col["year"], f"«{text}» không phải là năm hợp lệ")
            ok = False
        else:
            year = int(written_year.group(1))
            campaign = campaigns.get(year)
            if campaign is not None:
                what = "đã công bố kết quả" if campaign.published else f"đang ở giai đoạn «{campaign.status.label}»"
                problems.add(
                    line,
                    col["year"],
                    f"năm {year} đã có kỳ đánh giá trên hệ thống ({what}); không nhập kết quả cũ cho năm này",
                )
                ok = False
        code = read_code(values.get("code", ""))
        name = " ".join(values.get("name", "").split())
        unit = units.get(code)
        if unit is None and len(folded.get(code.casefold(), [])) == 1:  # «bato-bdo» for «BATO-BDO»
            unit = folded[code.casefold()][0]
        if not code and name:  # a unit's name for its code, if it names one unit of the authority
            named = by_name.find(name)
            unit = named[0] if len(named) == 1 else None
            code = unit.code if unit is not None else ""
            if len(named) > 1:
                problems.add(
                    line,
                    col["name"],
                    f"tên «{name}» là tên của {len(named)} đơn vị "
                    f"({', '.join(f'{u.name} – mã {u.code}' for u in named)}): ghi mã đơn vị",
                )
                ok = False
            elif not named:
                problems.add(line, col["name"], f"không có đơn vị tên «{name}» thuộc {authority.name}: ghi mã đơn vị")
                ok = False
        elif not code:
            problems.add(line, col["code"], "thiếu mã đơn vị")
            ok = False
        elif unit is None:
            problems.add(line, col["code"], f"không có đơn vị mã «{code}»")
            ok = False
        elif unit.authority_id != authority.id or unit.id == authority.id:
            problems.add(line, col["code"], f"đơn vị «{code}» ({unit.name}) không thuộc {authority.name}")
            ok = False
            unit = None
        if year is not None and unit is not None:
            first = seen.setdefault((year, unit.id), line)
            if first != line:
                problems.add(line, col["code"], f"đơn vị «{code}» đã có ở dòng {first} cùng năm {year}")
                ok = False
        group_text = " ".join(values.get("group", "").split())
        if group_text:
            group_name = groups.get(normalise(group_text), group_text)
        elif unit is not None and unit.group_id is not None:
            group_name = db.session.get(UnitGroup, unit.group_id).name
        else:
            group_name = NO_GROUP
        own = set_for(group_name)
        limit, rules = own.limit, own.rules
        self_total = None
        if values.get("self", "").strip():
            self_total = _score(values["self"], col["self"], line, limit, problems)
            ok = ok and self_total is not None
        appraised = None
        if not values["appraised"].strip():
            problems.add(line, col["appraised"], "thiếu điểm thẩm định")
            ok = False
        else:
            appraised = _score(values["appraised"], col["appraised"], line, limit, problems)
            ok = ok and appraised is not None
        rank = rank_of = None
        rank_text = values.get("rank", "").strip()
        if rank_text:
            match = _RANK.fullmatch(rank_text)
            if match is None or int(match.group(1)) < 1:
                problems.add(line, col["rank"], f"«{rank_text}» không phải là thứ hạng (số nguyên từ 1, ví dụ 2)")
                ok = False
            else:
                rank = int(match.group(1))
                rank_of = int(match.group(2)) if match.group(2) else None
        level = None
        level_text = values.get("level", "").strip()
        if level_text:
            found = own.levels.find(level_text)
            level = found[0] if len(found) == 1 else None
            if not found:
                names = "; ".join(lv.name for lv in rules.levels)
                problems.add(
                    line,
                    col["level"],
                    f"không có mức xếp loại «{level_text}» trong bộ tiêu chí «{own.version.name}» (các mức: {names})",
                )
                ok = False
            elif level is None:
                problems.add(
                    line,
                    col["level"],
                    f"«{level_text}» có thể là {len(found)} mức ({'; '.join(f[1] for f in found)}): ghi đủ tên mức",
                )
                ok = False
        decision_number = " ".join(values.get("decision_number", "").split())
        decision_date = None
        if values.get("decision_date", "").strip():
            try:
                decision_date = read_date(values["decision_date"])
            except ValueError as exc:
                problems.add(line, col["decision_date"], str(exc))
                ok = False
        if ok:
            rows.append(
                _Row(
                    line,
                    year,
                    unit,
                    group_name,
                    self_total,
                    appraised,
                    rank,
                    level,
                    rank_of,
                    decision_number,
                    decision_date,
                )
            )
        else:  # the group's size in the file is unknown now: its ranks are not counted against it
            incomplete.add((year, normalise(group_name)) if year is not None else None)

    _check_ranks(rows, col["rank"], problems, incomplete)
    _check_decisions(rows, col["decision_number"], col["decision_date"], problems)
    _read_areas(tables, rows, set_for, problems)
    problems.raise_if_any(WHAT)
    return _write(rows, authority, version, set_for, actor, source)


def _check_ranks(
    rows: list[_Row], column: str, problems: Problems, incomplete: set[tuple[int, str] | None] = frozenset()
) -> None:
    """Within a year and group, ranks are given for every unit or for none (then computed). A given rank must agree
    with the points (more points, a better rank; equal points may share a rank or be parted by a tie-break) and its
    «/19» with the number of the group's units in the file — unless a row of the group is bad itself (`incomplete`),
    then the group's size is not known."""
    for key, members in _by_year_and_group(rows).items():
        given = [r for r in members if r.rank is not None]
        if given and len(given) != len(members):
            for r in members:
                if r.rank is None:
                    problems.add(r.line, column, "thiếu xếp hạng trong khi các đơn vị khác cùng năm, cùng khối đã có")
        sized = key not in incomplete and None not in incomplete
        for r in given if sized else ():
            if r.rank > len(members):
                problems.add(r.line, column, f"xếp hạng {r.rank} lớn hơn số đơn vị của khối trong năm ({len(members)})")
            elif r.rank_of is not None and r.rank_of != len(members):
                problems.add(
                    r.line,
                    column,
                    f"xếp hạng {r.rank:02d}/{r.rank_of} tính trên {r.rank_of} đơn vị nhưng tệp có {len(members)} "
                    f"đơn vị của «{r.group_name}» năm {r.year}: thiếu dòng, thừa dòng hay ghi nhầm?",
                )
        for r in given:
            beaten = [o for o in given if o.appraised_total < r.appraised_total and o.rank <= r.rank]
            if beaten and (r.rank <= len(members) or not sized):
                o = min(beaten, key=lambda o: (o.rank, o.line))
                problems.add(
                    r.line,
                    column,
                    f"xếp hạng {r.rank} nhưng điểm thẩm định {points(r.appraised_total)} cao hơn của đơn vị "
                    f"«{o.unit.code}» ở dòng {o.line} ({points(o.appraised_total)}, hạng {o.rank}): không rõ hạng hay "
                    "điểm đúng",
                )


def _check_decisions(rows: list[_Row], number_column: str, date_column: str, problems: Problems) -> None:
    """One decision approves an authority's year: every row of a year that gives a decision number (or date) gives the
    same one as the year's first row that gives it."""
    firsts: dict[tuple[int, str], _Row] = {}
    for r in rows:
        for what, column, value in (
            ("số quyết định", number_column, r.decision_number),
            ("ngày quyết định", date_column, r.decision_date),
        ):
            if not value:
                continue
            first = firsts.setdefault((r.year, what), r)
            other = first.decision_number if what == "số quyết định" else first.decision_date
            if other != value:
                shown = value.strftime("%d/%m/%Y") if isinstance(value, date) else value
                was = other.strftime("%d/%m/%Y") if isinstance(other, date) else other
                problems.add(
                    r.line,
                    column,
                    f"{what} «{shown}» khác với «{was}» ở dòng {first.line} cùng năm {r.year}: một năm chỉ có một "
                    "quyết định phê duyệt kết quả",
                )


def _read_areas(tables: dict[str, list[list[str]]], rows: list[_Row], set_for, problems: Problems) -> None:
    """The optional TheoLinhVuc sheet onto the rows of the first sheet: each line a unit's points in one area of its
    group's criteria, for a year and unit the first sheet has."""
    if list(tables) == [""]:  # a CSV holds the first sheet only
        return
    titles = sheets_named(tables, AREA_SHEET)
    if not titles:
        return
    if len(titles) > 1:
        problems.add(None, None, f"tệp có {len(titles)} trang «{AREA_SHEET}»: chỉ giữ một")
        return
    where = f"trang «{titles[0]}»"
    layout = Layout(AREA_REQUIRED, AREA_OPTIONAL, AREA_ALIASES)
    scratch = Problems()
    sheet = sheet_from_table(titles[0], tables[titles[0]], layout, problems=scratch)
    for p in scratch.items:
        problems.add(p.row, p.column, f"{where}: {p.message}")
    if sheet is None:
        return
    col = {key: sheet.columns.get(key, header) for key, header in {**AREA_REQUIRED, **AREA_OPTIONAL}.items()}
    by_key = {(r.year, r.unit.code.casefold()): r for r in rows}
    seen: dict[tuple[int, str, str], int] = {}
    for line, values in sheet.rows:
        year_text = values["year"].strip()
        written_year = _YEAR.fullmatch(year_text)
        code = read_code(values["code"])
        row = by_key.get((int(written_year.group(1)), code.casefold())) if written_year else None
        if row is None:
            problems.add(
                line, col["code"], f"{where}: năm «{year_text}», đơn vị «{code}» không có ở trang kết quả của tệp"
            )
            continue
        own = set_for(row.group_name)
        area_text = read_code(values["area"])
        area = next((a for a in own.areas if a.casefold() == area_text.casefold()), None)
        if area is None:
            problems.add(
                line,
                col["area"],
                f"{where}: không có lĩnh vực mã «{area_text}» trong bộ tiêu chí «{own.version.name}» "
                f"(các lĩnh vực: {', '.join(own.areas)})",
            )
            continue
        first = seen.setdefault((row.year, row.unit.code, area), line)
        if first != line:
            problems.add(line, col["area"], f"{where}: lĩnh vực «{area}» của «{row.unit.code}» đã có ở dòng {first}")
            continue
        for key, target in (("self", row.self_by_area), ("appraised", row.by_area)):
            if values.get(key, "").strip():
                before = len(problems.items)
                value = _score(values[key], col[key], line, own.areas[area], problems)
                for p in problems.items[before:]:
                    p.message = f"{where}: {p.message.replace('của bộ tiêu chí', f'của lĩnh vực «{area}»')}"
                if value is not None:
                    target[area] = value


def _area_json(values: dict[str, Decimal]) -> str:
    return json.dumps({code: f"{v:.2f}" for code, v in values.items()})


def _year_decision(members: list[_Row]) -> tuple[str, date | None]:
    number = next((r.decision_number for r in members if r.decision_number), "")
    return number, next((r.decision_date for r in members if r.decision_date), None)


def _by_year_and_group(rows: list[_Row]) -> dict[tuple[int, str], list[_Row]]:
    grouped: dict[tuple[int, str], list[_Row]] = defaultdict(list)
    for r in rows:
        grouped[(r.year, normalise(r.group_name))].append(r)
    return grouped


def _write(rows: list[_Row], authority: Unit, version: CriteriaVersion, set_for, actor, source: str) -> ImportReport:
    now = clock.now()
    report = ImportReport(authority, version)
    ranks: dict[int, tuple[int, int]] = {}  # line → (rank, of)
    for members in _by_year_and_group(rows).values():
        if all(r.rank is not None for r in members):
            ranks.update({r.line: (r.rank, len(members)) for r in members})
        else:
            rules = set_for(members[0].group_name).rules
            ranked = engine.rank([engine.RankEntry(r.line, r.appraised_total) for r in members], rules)
            ranks.update({line: (res.rank, res.of) for line, res in ranked.items()})
    by_year: dict[int, list[_Row]] = defaultdict(list)
    for r in rows:
        by_year[r.year].append(r)
    for year, members in sorted(by_year.items()):
        old = list(
            db.session.execute(
                select(UnitResult).where(UnitResult.authority_id == authority.id, UnitResult.year == year)
            ).scalars()
        )
        for row in old:
            db.session.delete(row)
        db.session.flush()
        decision_number, decision_date = _year_decision(members)
        for r in members:
            own = set_for(r.group_name)
            report.versions[r.group_name] = own.version
            if r.level is not None:
                level_order, level_name, disqualified = r.level
            else:
                found = engine.classify(r.appraised_total, own.rules)
                level_order = found.level.order if found.level else None
                level_name, disqualified = found.label, False
            rank, of = ranks[r.line]
            db.session.add(
                UnitResult(
                    authority_id=authority.id,
                    year=year,
                    unit_id=r.unit.id,
                    campaign_id=None,
                    group_name=r.group_name,
                    self_total=r.self_total,
                    appraised_total=r.appraised_total,
                    level_order=level_order,
                    level_name=level_name,
                    disqualified=disqualified,
                    rank=rank,
                    rank_of=of,
                    by_area=_area_json(r.by_area),
                    self_by_area=_area_json(r.self_by_area),
                    source=SOURCE_IMPORT,
                    published=True,
                    computed_at=now,
                    decision_number=decision_number,
                    decision_date=decision_date,
                )
            )
        report.imported[year] = len(members)
        report.replaced[year] = len(old)
        audit.record(
            "results.imported",
            actor=actor,
            unit_id=authority.id,
            target_type="UnitResult",
            target_id=f"{authority.code}/{year}",
            before={"rows": len(old)} if old else None,
            after={
                "rows": len(members),
                "file": source,
                "criteria": {r.group_name: set_for(r.group_name).version.id for r in members},
            },
        )
    db.session.commit()
    return report
