"""An imported year (kết quả các năm trước) beyond its totals: the decision that approved it, which the secretariat
records or corrects from the year's results page, and the points per area the file's TheoLinhVuc sheet gave, named
from the criteria set the importer read the year with."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import require
from dvcq.platform.spreadsheets import normalise, read_date
from dvcq.scoring.models import UnitResult
from dvcq.scoring.results.access import NOT_FOUND, authority_of
from dvcq.scoring.results.compute import SOURCE_IMPORT
from dvcq.scoring.results.imports import criteria_version, group_versions
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.tenants.models import Unit

MANAGERS = (Role.SECRETARIAT, Role.ADMIN)
NUMBER_EXAMPLE = "3807/QĐ-UBND"
NUMBER_LIMIT = 60  # unit_results.decision_number
# «3807/QĐ-UBND» as people type it: «3807 / qđ - ubnd», «3807/QD-UBND», «Số: 3807/QĐ-UBND», «Quyết định số 3807/…».
_NUMBER = re.compile(
    r"(?:(?:quyết định|quyet dinh|qđ|qd)\s+)?(?:số|so)?\s*:?\s*"
    r"([0-9]{1,5})\s*/\s*Q\s*[ĐD]\s*-\s*([0-9A-ZĐ]+(?:\s*[.\-]\s*[0-9A-ZĐ]+)*)",
    re.IGNORECASE,
)


def may_record(user) -> bool:
    return user.role in MANAGERS


def decision_text(number: str, day: date | None) -> str:
    """«Quyết định số 3807/QĐ-UBND ngày 29/12/2023», with what is known of the two; "" when neither is."""
    if not number and day is None:
        return ""
    text = "Quyết định"
    if number:
        text += f" số {number}"
    if day is not None:
        text += f" ngày {vn_date(day)}"
    return text


def imported_decision(rows: Iterable[UnitResult]) -> str:
    """The decision of an imported year's rows (one per year), or "" when none was given."""
    given = (r for r in rows if r.decision_number or r.decision_date)
    return next((decision_text(r.decision_number, r.decision_date) for r in given), "")


# ---- recording the decision of an imported year ---------------------------------------------------------------------


@dataclass(frozen=True)
class YearDecision:
    """The decision an imported year carries now, and `seen`: what the form sends back, so that a save made on a page
    older than the last change (another person's save, a new import of the year) is refused, not applied over it."""

    year: int
    number: str
    day: date | None
    ids: tuple[int, ...]  # the year's imported results

    @property
    def text(self) -> str:
        return decision_text(self.number, self.day)

    @property
    def seen(self) -> str:
        state = json.dumps([self.ids, self.number, self.day.isoformat() if self.day else None])
        return hashlib.sha256(state.encode()).hexdigest()[:16]


class DecisionRefused(ServiceError):
    """Bad input: `fields` maps the form's inputs (number, signed_on) to what is wrong. Nothing was saved."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("Chưa lưu quyết định: vui lòng sửa các ô được đánh dấu.", list(fields.values()))
        self.fields = fields


def year_decision(authority_id: int, year: int) -> YearDecision | None:
    """The imported year's decision; None when the authority has no imported result that year (a campaign's year
    records its decision through the decisions pages)."""
    rows = db.session.execute(
        select(UnitResult.id, UnitResult.decision_number, UnitResult.decision_date)
        .where(
            UnitResult.authority_id == authority_id,
            UnitResult.year == year,
            UnitResult.campaign_id.is_(None),
            UnitResult.source == SOURCE_IMPORT,
        )
        .order_by(UnitResult.id)
    ).all()
    if not rows:
        return None
    given = next((r for r in rows if r.decision_number or r.decision_date), rows[0])
    return YearDecision(year, given.decision_number, given.decision_date, tuple(r.id for r in rows))


def read_number(text: str | None) -> str:
    """A decision number in its usual form («3807/QĐ-UBND»), however spaced or capitalised; ValueError (Vietnamese)
    for nothing, or for text that is not a number of that form."""
    written = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not written:
        raise ValueError(f"Chưa nhập số quyết định (ví dụ: {NUMBER_EXAMPLE}).")
    match = _NUMBER.fullmatch(written)
    if match is None or len(written) > NUMBER_LIMIT:
        raise ValueError(
            f"«{written[:NUMBER_LIMIT]}» không phải số quyết định: ghi số, «/QĐ-» và cơ quan ban hành, "
            f"ví dụ {NUMBER_EXAMPLE}."
        )
    if int(match.group(1)) == 0:
        raise ValueError(f"Số quyết định không thể là số 0 (ví dụ: {NUMBER_EXAMPLE}).")
    issuer = re.sub(r"\s+", "", match.group(2)).upper()
    return f"{match.group(1)}/QĐ-{issuer}"


def read_signed_on(text: str | None, year: int) -> date:
    """The day the year's decision was signed: a real date, not after today, in the year or the year after (results
    are approved at the end of the year or early in the next)."""
    if not (text or "").strip():
        raise ValueError("Chưa nhập ngày quyết định (ngày/tháng/năm, ví dụ 29/12/2023).")
    day = read_date(text)
    if day > clock.today_in_vietnam():
        raise ValueError(f"Ngày quyết định {vn_date(day)} chưa đến: ghi ngày đã ký quyết định.")
    if day.year not in (year, year + 1):
        raise ValueError(
            f"Ngày quyết định {vn_date(day)} không thuộc năm {year} hoặc năm {year + 1}: quyết định phê duyệt kết quả "
            f"năm {year} được ký trong năm đó hoặc đầu năm sau."
        )
    return day


def record_decision(actor, year: int, number: str | None, signed_on: str | None, seen: str | None) -> YearDecision:
    """Record (or correct) the decision that approved an imported year, on every imported result of the actor's
    authority that year. Another authority's year answers as a missing one."""
    require(actor, *MANAGERS)
    authority_id = authority_of(actor)
    current = year_decision(authority_id, year)
    if current is None:
        raise NotFound(NOT_FOUND)
    fields: dict[str, str] = {}
    new_number, new_day = "", None
    try:
        new_number = read_number(number)
    except ValueError as exc:
        fields["number"] = str(exc)
    try:
        new_day = read_signed_on(signed_on, year)
    except ValueError as exc:
        fields["signed_on"] = str(exc)
    if fields:
        raise DecisionRefused(fields)
    if seen != current.seen:
        raise _changed_meanwhile(current)
    # Compare and set: a save that committed between the read above and this statement changed the rows, so fewer
    # than all of them match and nothing is written. Imported rows belong to no campaign: the publication freeze (the
    # flush hook and PostgreSQL's triggers) guards campaigns' rows only, and this statement touches no other.
    done = db.session.execute(
        update(UnitResult)
        .where(
            UnitResult.id.in_(current.ids),
            UnitResult.campaign_id.is_(None),
            UnitResult.decision_number == current.number,
            UnitResult.decision_date.is_not_distinct_from(current.day),
        )
        .values(decision_number=new_number, decision_date=new_day)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != len(current.ids):
        db.session.rollback()
        raise _changed_meanwhile(year_decision(authority_id, year) or current)
    authority = db.session.get(Unit, authority_id)
    audit.record(
        "results.decision_recorded",
        actor=actor,
        unit_id=authority_id,
        target_type="UnitResult",
        target_id=f"{authority.code}/{year}",
        before={"number": current.number, "date": current.day} if current.text else None,
        after={"number": new_number, "date": new_day, "rows": len(current.ids)},
    )
    db.session.commit()
    return YearDecision(year, new_number, new_day, current.ids)


def _changed_meanwhile(current: YearDecision) -> Conflict:
    now = current.text or "chưa có quyết định"
    return Conflict(
        f"Quyết định của năm {current.year} vừa được người khác thay đổi (hiện là: {now}) nên thay đổi của bạn chưa "
        "được lưu. Xem lại rồi bấm «Lưu quyết định» nếu vẫn muốn ghi như bạn đã nhập."
    )


# ---- points per area ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaScore:
    code: str
    name: str  # "" when the criteria set does not name the code
    max_points: Decimal | None
    self_points: Decimal | None
    appraised_points: Decimal | None


@dataclass(frozen=True)
class ImportedYear:
    """What an imported result carries beyond its totals, for a unit's pages."""

    year: int
    unit_id: int
    decision: str  # «Quyết định số 3807/QĐ-UBND ngày 29/12/2023», or ""
    areas: tuple[AreaScore, ...]


def _points(text: str | None) -> dict[str, Decimal]:
    try:
        raw = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(code): Decimal(str(value)) for code, value in raw.items() if value not in (None, "")}


def _named_areas(authority_id: int, group_name: str) -> dict[str, tuple[str, Decimal]]:
    """{area code: (name, maximum)} of the set the importer reads a group's rows with unless told otherwise — the
    group's set in the authority's newest campaign, else the authority's newest set; {} when none is readable (an
    authority with no set, or one outside the viewer's scope: a merged unit's predecessor shows its codes only)."""
    authority = db.session.get(Unit, authority_id)
    versions = {normalise(name): v for name, v in group_versions(authority).items()}
    version = versions.get(normalise(group_name))
    if version is None:
        try:
            version = criteria_version(authority, None)
        except ServiceError:
            return {}
    inputs = engine_inputs(version.id)
    return {code: (inputs.nodes[code].name, inputs.tree.max_of[code]) for code in inputs.tree.areas}


def imported_years(results: Iterable[UnitResult]) -> list[ImportedYear]:
    """The decision and points per area of each imported result given, in the order given; results of campaigns, and
    imported ones with neither, are left out. An area the criteria set does not name keeps its code alone."""
    named: dict[tuple[int, str], dict[str, tuple[str, Decimal]]] = {}
    out = []
    for r in results:
        if r.campaign_id is not None:
            continue
        selfs, appraised = _points(r.self_by_area), _points(r.by_area)
        decision = decision_text(r.decision_number, r.decision_date)
        if not (selfs or appraised or decision):
            continue
        areas: tuple[AreaScore, ...] = ()
        if selfs or appraised:
            key = (r.authority_id, r.group_name)
            if key not in named:
                named[key] = _named_areas(*key)
            known = named[key]
            codes = [c for c in known if c in selfs or c in appraised]
            codes += sorted(c for c in {*selfs, *appraised} if c not in known)
            areas = tuple(
                AreaScore(code, *known.get(code, ("", None)), selfs.get(code), appraised.get(code)) for code in codes
            )
        out.append(ImportedYear(r.year, r.unit_id, decision, areas))
    return out
