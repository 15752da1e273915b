"""A plan from an imported year: a unit whose last result was decided before the platform (imported from the past
results file, with its decision and, when the file gave them, its points per area) drafts its plan from it. Goals from
its total, level and rank; a focus task for each area where it lost most (general tasks when the file gave no points
per area); the decision the plan carries out is the imported one — and while the year has no decision recorded, the
plan is not issued (no document, no submission)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from dvcq.plans.drafting import QUARTER_ENDS, leaders_post, new_plan, responsible_post, starting_point
from dvcq.plans.models import ImprovementPlan, PlanTask, TaskKind
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points
from dvcq.platform.spreadsheets import normalise
from dvcq.scoring import engine
from dvcq.scoring.decisions.defaults import issuer_in_text
from dvcq.scoring.models import CriteriaVersion, UnitResult
from dvcq.scoring.results.access import readable
from dvcq.scoring.results.compute import SOURCE_IMPORT
from dvcq.scoring.results.imports import criteria_version, group_versions
from dvcq.scoring.results.inputs import EngineInputs, engine_inputs
from dvcq.scoring.results.past import AreaScore, decision_text, imported_years
from dvcq.scoring.results.whatif import describe_next_rank
from dvcq.tenants.models import Unit

FOCUS_AREAS = 3  # the areas that lost most get a focus task each; the others are left to the general tasks
# Without points per area: the focus tasks every commune's plan carries (the areas of the sample criteria).
GENERAL_FOCUS = (
    "Tăng cường lãnh đạo, chỉ đạo, quán triệt, tuyên truyền về công tác dân vận chính quyền; đưa nhiệm vụ dân vận "
    "chính quyền vào chương trình công tác năm",
    "Đẩy mạnh cải cách hành chính, nâng cao chất lượng phục vụ tại Bộ phận Một cửa và dịch vụ công trực tuyến",
    "Thực hiện tốt dân chủ ở cơ sở, tiếp công dân, đối thoại và giải quyết kịp thời kiến nghị, phản ánh của Nhân dân",
)
EVIDENCE = (
    "Rà soát từng tiêu chí của lĩnh vực {code} «{name}» theo hướng dẫn chấm; ban hành đầy đủ, đúng thời gian các văn "
    "bản, kế hoạch, báo cáo mà tiêu chí yêu cầu và lưu trữ đầy đủ tài liệu kiểm chứng (năm {year} mất {lost} điểm)."
)
SELF_SCORING = (
    "Tự đánh giá, tự chấm điểm đúng hướng dẫn chấm, sát với kết quả thực hiện và tài liệu kiểm chứng (năm {year} tự "
    "chấm {own} điểm, được thẩm định {appraised} điểm, chênh lệch {gap} điểm)."
)
GENERAL_SOLUTIONS = (
    "Rà soát toàn bộ tiêu chí, hướng dẫn chấm điểm Chỉ số Dân vận chính quyền năm {year}; phân công cán bộ, công "
    "chức phụ trách từng tiêu chí.",
    "Ban hành đầy đủ, đúng thời gian các văn bản, kế hoạch, báo cáo mà các tiêu chí yêu cầu; lưu trữ tài liệu kiểm "
    "chứng theo từng tiêu chí ngay khi thực hiện.",
    "Thực hiện đầy đủ, đúng thời hạn chế độ báo cáo định kỳ quý, 6 tháng, 9 tháng và năm về công tác dân vận chính "
    "quyền.",
)


def imported_result(unit_id: int, year: int) -> UnitResult | None:
    """The unit's imported result of `year` (the years before the platform), if any."""
    return db.session.execute(
        select(UnitResult).where(
            UnitResult.unit_id == unit_id,
            UnitResult.year == year,
            UnitResult.source == SOURCE_IMPORT,
            UnitResult.published.is_(True),
        )
    ).scalar_one_or_none()


def latest_imported(unit_id: int) -> UnitResult | None:
    return db.session.execute(
        select(UnitResult)
        .where(UnitResult.unit_id == unit_id, UnitResult.source == SOURCE_IMPORT, UnitResult.published.is_(True))
        .order_by(UnitResult.year.desc())
        .limit(1)
    ).scalar_one_or_none()


def source_of(plan: ImprovementPlan) -> UnitResult | None:
    """The imported result a plan starts from; None for a plan from a campaign (or a year imported again without it)."""
    if plan.source_result_year is None:
        return None
    return imported_result(plan.unit_id, plan.source_result_year)


def decision_recorded(result: UnitResult | None) -> bool:
    return result is not None and bool(result.decision_number.strip()) and result.decision_date is not None


def decision_citation(result: UnitResult) -> str:
    """ "Quyết định số 3807/QĐ-UBND ngày 29/12/2023 của Ủy ban nhân dân huyện Ba Tơ"."""
    authority = db.session.get(Unit, result.authority_id)
    return f"{decision_text(result.decision_number, result.decision_date)} của {issuer_in_text(authority)}"


def plan_decision(plan: ImprovementPlan) -> str:
    """The decision a plan from an imported year carries out, cited; "" for a plan from a campaign or none recorded."""
    result = source_of(plan)
    return decision_citation(result) if decision_recorded(result) else ""


def missing_decision(plan: ImprovementPlan) -> str:
    """Why the plan cannot be issued yet — its imported year has no decision recorded — or "" when it can."""
    if plan.source_result_year is None or decision_recorded(source_of(plan)):
        return ""
    year = plan.source_result_year
    return (
        f"Kết quả năm {year} của đơn vị được nhập từ tệp nhưng chưa ghi số, ngày Quyết định phê duyệt kết quả nên "
        f"chưa ban hành được kế hoạch (chưa tải văn bản, chưa gửi được). Thường trực Ban Chỉ đạo ghi số, ngày quyết "
        f"định tại trang kết quả năm {year} (Kết quả các năm trước); sau đó kế hoạch dẫn đúng quyết định đó."
    )


def require_decision(plan: ImprovementPlan) -> None:
    """Refuse to issue a plan (its document, its submission) whose imported year has no decision recorded."""
    if reason := missing_decision(plan):
        raise Conflict(reason)


def summary(result: UnitResult) -> str:
    """ "tự chấm 97,00 điểm, được thẩm định 85,50 điểm, xếp loại Hoàn thành tốt nhiệm vụ, xếp hạng 02/19"."""
    parts = [f"tự chấm {points(result.self_total)} điểm"] if result.self_total is not None else []
    parts.append(f"được thẩm định {points(result.appraised_total)} điểm")
    if result.level_name:
        parts.append(f"xếp loại {result.level_name}")
    if result.rank:
        parts.append(f"xếp hạng {engine.format_rank(result.rank, result.rank_of or result.rank)}")
    return ", ".join(parts)


def offer(result: UnitResult) -> str:
    """What the plans page offers: "Lập kế hoạch từ kết quả năm 2023 (Quyết định số 3807/QĐ-UBND ngày 29/12/2023)"."""
    decision = decision_text(result.decision_number, result.decision_date) or "chưa ghi số, ngày quyết định"
    return f"Lập kế hoạch từ kết quả năm {result.year} ({decision})"


# ---- drafting -----------------------------------------------------------------------------------------------------


def version_of(result: UnitResult) -> CriteriaVersion | None:
    """The criteria set the year was classified on, as the importer chose it: the group's set in the authority's
    newest campaign, else the authority's newest set; None when the authority has none."""
    authority = db.session.get(Unit, result.authority_id)
    by_group = {normalise(name): v for name, v in group_versions(authority).items()}
    if (version := by_group.get(normalise(result.group_name))) is not None:
        return version
    try:
        return criteria_version(authority, None)
    except ServiceError:
        return None


@dataclass(frozen=True)
class Targets:
    level: engine.Level | None  # the level to reach (the next one up) or keep
    total: Decimal | None
    rank: int | None
    lines: list[str]  # where the unit stands, for the plan's baseline


def _group(result: UnitResult) -> list[UnitResult]:
    """The results of the unit's group that year: published, so a commune may read them (`access.readable`)."""
    stmt = select(UnitResult).where(
        UnitResult.authority_id == result.authority_id,
        UnitResult.year == result.year,
        UnitResult.group_name == result.group_name,
    )
    return list(db.session.execute(readable(stmt, published=True)).scalars())


def targets(result: UnitResult, inputs: EngineInputs | None) -> Targets:
    """The next level up at its threshold, when the points it takes are still within the set's maximum; the rank that
    total would have given in the year's group (equal points share a rank; never worse than the rank held), so a unit
    near the top keeps its place and one further down aims higher."""
    own = result.appraised_total
    levels = inputs.rules.levels if inputs else ()
    maximum = inputs.tree.max_total if inputs else None
    current = next((lv for lv in levels if lv.order == result.level_order), None)
    better = [lv for lv in levels if current is None or lv.order < current.order]
    level, total, lines = current, own, []
    if better and own is not None and not result.disqualified:
        goal = better[-1]
        reach = engine.points_to_reach(own, goal.min_points, maximum=maximum)
        if reach.reachable:
            level, total = goal, own + reach.needed
            threshold = points(goal.min_points)
            lines.append(f"Cần thêm {points(reach.needed)} điểm để đạt mức {goal.name} (từ {threshold} điểm).")
        else:
            lines.append(f"Không thể đạt mức {goal.name}: cần thêm {points(reach.needed)} điểm.")
    elif current is not None:
        lines.append(f"Đơn vị đã đạt mức cao nhất: {current.name}.")
    rank = result.rank
    if rank and own is not None:
        group = [r for r in _group(result) if r.appraised_total is not None]
        entries = [engine.RankEntry(r.unit_id, r.appraised_total) for r in group]
        rules = engine.Rules(levels)  # past years carry no area totals: ties share their rank, as the importer ranks
        others = [r.appraised_total for r in group if r.unit_id != result.unit_id]
        rank = min(rank, 1 + sum(1 for other in others if other > total))
        held = engine.format_rank(result.rank, result.rank_of or result.rank)
        above = engine.points_to_next_rank(entries, result.unit_id, rules, maximum=maximum)
        lines.append(describe_next_rank(held, above))
    return Targets(level, total, rank, lines)


def _loss(area: AreaScore) -> Decimal | None:
    """Points an area cost the unit: its maximum less the appraised points, or (no maximum known) what the appraisal
    took off the self-score."""
    if area.appraised_points is None:
        return None
    if area.max_points is not None:
        return area.max_points - area.appraised_points
    if area.self_points is not None:
        return area.self_points - area.appraised_points
    return None


def lost_areas(result: UnitResult, inputs: EngineInputs | None) -> list[tuple[AreaScore, Decimal]]:
    """The normal areas where points were lost, the largest loss first (tree order between equals)."""
    years = imported_years([result])
    areas = years[0].areas if years else ()
    kinds = inputs.tree.kind_of if inputs else {}
    order = {code: i for i, code in enumerate(inputs.tree.areas)} if inputs else {}
    lost = [
        (a, loss)
        for a in areas
        if kinds.get(a.code, engine.KIND_NORMAL) == engine.KIND_NORMAL and (loss := _loss(a)) is not None and loss > 0
    ]
    return sorted(lost, key=lambda pair: (-pair[1], order.get(pair[0].code, len(order)), pair[0].code))


def _area_targets(lost: list[tuple[AreaScore, Decimal]], needed: Decimal) -> dict[str, str]:
    """Each area's points, plus the points the target needs won back where most was lost (never above the loss)."""
    out = {}
    for area, loss in lost:
        back = max(engine.ZERO, min(loss, needed))
        needed -= back
        out[area.code] = f"{area.appraised_points + back:.2f}"
    return out


def _items(inputs: EngineInputs | None, area: str) -> str:
    """The area's criteria (its children), as a task's item codes: "2.1,2.2,2.3"."""
    return ",".join(inputs.tree.children.get(area, ())) if inputs else ""


def build_draft(result: UnitResult) -> ImprovementPlan:
    """A new, unsaved plan for year N+1 from the unit's imported result of year N."""
    unit = db.session.get(Unit, result.unit_id)
    year = result.year + 1
    version = version_of(result)
    inputs = engine_inputs(version.id) if version is not None else None
    aim = targets(result, inputs)
    own, appraised = result.self_total, result.appraised_total
    gap = own - appraised if own is not None and appraised is not None else None
    base = starting_point(
        result.year,
        own,
        appraised,
        result.level_name,
        (result.rank, result.rank_of or result.rank) if result.rank else None,
        inputs.tree.max_total if inputs else None,
        aim.lines,
        version_id=version.id if version is not None else None,
    )
    post = responsible_post(unit)
    plan = new_plan(unit, result.authority_id, result.year, base, source_result_year=result.year)
    plan.target_rank = aim.rank
    plan.target_level_order = aim.level.order if aim.level else None
    plan.target_level_name = aim.level.name if aim.level else ""
    plan.target_total = aim.total
    lost = lost_areas(result, inputs)
    needed = aim.total - appraised if aim.total is not None and appraised is not None else engine.ZERO
    plan.area_targets = json.dumps(_area_targets(lost, needed), sort_keys=True)

    leaders = leaders_post(unit)
    focus = lost[:FOCUS_AREAS]
    year_end = date(year, 12, 31)
    for area, loss in focus:
        _add(plan, TaskKind.FOCUS, _focus_text(area, result.year), _items(inputs, area.code), loss, leaders, year_end)
    if not focus:
        for text in GENERAL_FOCUS:
            _add(plan, TaskKind.FOCUS, f"{text}.", "", None, leaders, year_end)
    solutions = [
        (
            EVIDENCE.format(code=a.code, name=a.name or a.code, year=result.year, lost=points(loss)),
            _items(inputs, a.code),
            loss,
        )
        for a, loss in focus
    ]
    if gap is not None and gap > 0:
        text = SELF_SCORING.format(year=result.year, own=points(own), appraised=points(appraised), gap=points(gap))
        solutions.append((text, "", gap))
    if not focus:
        solutions.extend((text.format(year=year), "", None) for text in GENERAL_SOLUTIONS)
    for index, (text, codes, loss) in enumerate(solutions):
        month, day = QUARTER_ENDS[index * len(QUARTER_ENDS) // len(solutions)]
        _add(plan, TaskKind.SOLUTION, text, codes, loss, post, date(year, month, day))
    return plan


def _focus_text(area: AreaScore, year: int) -> str:
    """ "Tập trung khắc phục hạn chế ở lĩnh vực 2 «…» (năm 2023 đạt 12,50/16,00 điểm, tự chấm 15,00 điểm)."."""
    scored = f"đạt {points(area.appraised_points)}"
    scored += f"/{points(area.max_points)} điểm" if area.max_points is not None else " điểm"
    if area.self_points is not None:
        scored += f", tự chấm {points(area.self_points)} điểm"
    return f"Tập trung khắc phục hạn chế ở lĩnh vực {area.code} «{area.name or area.code}» (năm {year} {scored})."


def _add(plan: ImprovementPlan, kind: TaskKind, text: str, codes: str, loss, post: str, due: date) -> None:
    plan.tasks.append(
        PlanTask(
            unit_id=plan.unit_id,
            kind=kind,
            position=len(plan.tasks) + 1,
            text=text,
            item_codes=codes,
            points_lost=loss,
            responsible_post=post,
            due_on=due,
        )
    )
