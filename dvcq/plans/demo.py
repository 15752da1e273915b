"""The demo's improvement plans, on both sides of the 2025 reform.

- Xã Ba Nam's 2024 plan, the document this project started from, written in the product's own words and structure:
  drafted from its imported 2023 result (self 97,00, appraised 85,50, «Hoàn thành tốt», 02/19, approved by Quyết định
  số 3807/QĐ-UBND ngày 29/12/2023 of UBND huyện Ba Tơ), citing Công văn số 245/UBND ngày 31/10/2023 and the district's
  Kế hoạch số 22/KH-UBND ngày 29/01/2024; it keeps rank 02/19 and aims at «Hoàn thành xuất sắc nhiệm vụ», takes up the
  three areas where Ba Nam lost most (2, 4, 6), is followed by the steering committee and reported on by the công chức
  Văn phòng - Thống kê every quarter, at 6 and 9 months and for the year; signed by Ba Nam's chairman. Its four reports
  of 2024 are filed and acknowledged by the district. (Its number, dates and the reports' wording are made up.)
- The new communes' 2026 plans, drafted from the province's published 2025 results and under way on a late-2026 day:
  most communes filed their Quý I, 6-month and 9-month reports on time, a few late, one (Ba Xa) has not filed its
  9-month report; the province acknowledged the first two, returned one (Ba Tô's 6-month report) and has the 9-month
  ones still to read; a few plans are still a draft, waiting, or returned.

Re-runnable: a unit that has its plan for the year is left as it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from dvcq.plans import drafting, imported
from dvcq.plans.models import (
    ImprovementPlan,
    Period,
    PlanStatus,
    PlanTask,
    ProgressReport,
    ReportStatus,
    TaskKind,
    TaskStatus,
)
from dvcq.plans.services import latest_published
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.scoring.models import Assessment
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.tenants.demo import DISTRICT, NEW_OFFICER_TITLE, PROVINCE, PROVINCE_COMMUNES
from dvcq.tenants.models import Unit

# ---- Xã Ba Nam, 2024 ----------------------------------------------------------------------------------------------

BA_NAM = "BATO-BNA"
BA_NAM_NUMBER = "18/KH-UBND"
BA_NAM_SENT, BA_NAM_READ = date(2024, 2, 26), date(2024, 3, 4)
BA_NAM_BASES = (
    "Căn cứ Công văn số 245/UBND ngày 31/10/2023 của Ủy ban nhân dân huyện Ba Tơ;",
    "Thực hiện Kế hoạch số 22/KH-UBND ngày 29/01/2024 của Ủy ban nhân dân huyện Ba Tơ;",
)
BA_NAM_GOALS = (
    "Khắc phục những hạn chế, tồn tại được chỉ ra qua kết quả đánh giá Chỉ số Dân vận chính quyền năm 2023, nhất là "
    "ở các lĩnh vực cải cách hành chính; tiếp công dân, giải quyết khiếu nại, tố cáo; phong trào thi đua «Dân vận "
    "khéo». Phát huy kết quả đạt được, giữ vững thứ hạng 02/19 và phấn đấu năm 2024 xếp loại «Hoàn thành xuất sắc "
    "nhiệm vụ»; nâng cao chất lượng phục vụ Nhân dân của đội ngũ cán bộ, công chức xã."
)
BA_NAM_RANK = 2  # keep 02/19, as the seed plan does (90,00 points alone would have been first in 2023)
# The seed plan's concrete solutions in the areas it takes up: (text, criteria, post in charge, deadline).
BA_NAM_SOLUTIONS = (
    (
        "Niêm yết, công khai đầy đủ, kịp thời thủ tục hành chính tại Bộ phận Một cửa và trên trang thông tin điện tử "
        "của xã; hướng dẫn, hỗ trợ người dân nộp hồ sơ và thanh toán trực tuyến.",
        "2.1,2.3",
        "Công chức Văn phòng - Thống kê; Tổ công nghệ số cộng đồng",
        date(2024, 3, 31),
    ),
    (
        "Chủ tịch UBND xã tiếp công dân định kỳ mỗi tuần theo lịch đã công bố; mở sổ, cập nhật đầy đủ kết quả tiếp "
        "công dân, xử lý đơn thư; giải quyết khiếu nại, tố cáo đúng thời hạn.",
        "4.1,4.2",
        "Chủ tịch UBND xã; công chức Tư pháp - Hộ tịch",
        date(2024, 6, 30),
    ),
    (
        "Đăng ký và xây dựng ít nhất 01 mô hình «Dân vận khéo» trong lĩnh vực dân vận chính quyền; sơ kết, biểu "
        "dương và nhân rộng mô hình có hiệu quả.",
        "6.1,6.2,6.3",
        "Ban Chỉ đạo công tác dân vận chính quyền xã",
        date(2024, 9, 30),
    ),
)
# Ba Nam's 2024 reports: (submitted, acknowledged by the district, what was done).
BA_NAM_REPORTS = {
    Period.Q1: (
        date(2024, 4, 10),
        date(2024, 4, 18),
        "Ủy ban nhân dân xã đã quán triệt Kế hoạch đến toàn thể cán bộ, công chức; kiện toàn Ban Chỉ đạo công tác dân "
        "vận chính quyền xã và phân công thành viên phụ trách từng lĩnh vực; rà soát, niêm yết công khai đầy đủ thủ "
        "tục hành chính tại Bộ phận Một cửa; Chủ tịch UBND xã tiếp công dân định kỳ hằng tuần theo lịch.",
    ),
    Period.H1: (
        date(2024, 7, 9),
        date(2024, 7, 17),
        "Chủ tịch UBND xã tổ chức 01 hội nghị đối thoại trực tiếp với Nhân dân; các kiến nghị thuộc thẩm quyền đã được "
        "trả lời; hồ sơ thủ tục hành chính được giải quyết đúng hạn; đơn thư được tiếp nhận, xử lý đúng quy định. Xã "
        "đã đăng ký mô hình «Dân vận khéo» năm 2024.",
    ),
    Period.M9: (
        date(2024, 10, 8),
        date(2024, 10, 16),
        "Mô hình «Dân vận khéo» của xã được triển khai ở các thôn; tài liệu kiểm chứng được lưu theo từng tiêu chí; "
        "các nhiệm vụ trọng tâm ở lĩnh vực cải cách hành chính và tiếp công dân cơ bản hoàn thành.",
    ),
    Period.YEAR: (
        date(2024, 12, 12),
        date(2025, 1, 6),
        "Ủy ban nhân dân xã đã hoàn thành các nhiệm vụ, giải pháp của Kế hoạch; tổ chức sơ kết, biểu dương mô hình "
        "«Dân vận khéo»; hoàn thiện hồ sơ tự đánh giá, tự chấm điểm Chỉ số Dân vận chính quyền năm 2024 đúng hướng dẫn "
        "chấm, kèm đầy đủ tài liệu kiểm chứng.",
    ),
}
PERIOD_ENDS = {Period.Q1: (3, 31), Period.H1: (6, 30), Period.M9: (9, 30), Period.YEAR: (12, 31)}

# ---- the new communes, 2026 ---------------------------------------------------------------------------------------

DRAFT = {"QNG-BVI"}
WAITING = {"QNG-BVN"}
RETURNED = {"QNG-DTT": "Chỉ tiêu xếp hạng chưa sát thực tế; bổ sung người phụ trách từng nhiệm vụ."}
LATE_M9 = {"QNG-BDO", "QNG-BTO"}
MISSING_M9 = {"QNG-BXA"}
RETURNED_H1 = {"QNG-BTO": "Chưa nêu số hội nghị đối thoại đã tổ chức và số ý kiến của Nhân dân đã được giải quyết."}
NARRATIVE = {
    Period.Q1: "Đã quán triệt kế hoạch đến toàn thể cán bộ, công chức; tổ chức 01 hội nghị đối thoại với Nhân dân.",
    Period.H1: "Hoàn thành rà soát thủ tục hành chính; niêm yết công khai tại bộ phận một cửa; tiếp tục đối thoại.",
    Period.M9: "Các nhiệm vụ trọng tâm cơ bản hoàn thành; tài liệu kiểm chứng được lưu tại thư viện của xã.",
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(2, 0))  # 09:00 in Việt Nam, stored as naive UTC


def _unit(code: str) -> Unit | None:
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()


def _user(unit_id: int, role: Role) -> User | None:
    return db.session.execute(select(User).where(User.unit_id == unit_id, User.role == role)).scalars().first()


def _has_plan(unit: Unit, year: int) -> bool:
    found = select(ImprovementPlan.id).where(ImprovementPlan.unit_id == unit.id, ImprovementPlan.year == year)
    return db.session.execute(found).first() is not None


@dataclass
class Filed:
    """A period report as filed: when, by whom, what it says, each task's (status, percent), and the authority's answer
    (acknowledged on `read_on`, or returned with `returned`)."""

    period: Period
    on: date
    leader: User | None
    narrative: str
    progress: dict[int, tuple[TaskStatus, int]]
    read_on: date | None = None
    reader: User | None = None
    returned: str = ""


def _file(plan: ImprovementPlan, filed: Filed) -> None:
    """The report, and the tasks taking its status and percent (as `reports.submit_report` does)."""
    for task in plan.tasks:
        task.status, task.percent = filed.progress[task.id]
    acknowledged = filed.read_on is not None and not filed.returned
    status = ReportStatus.RETURNED if filed.returned else ReportStatus.ACKNOWLEDGED if acknowledged else None
    plan.reports.append(
        ProgressReport(
            unit_id=plan.unit_id,
            period=filed.period,
            status=status or ReportStatus.SUBMITTED,
            narrative=filed.narrative,
            progress=json.dumps(
                {str(k): {"status": s.value, "percent": p} for k, (s, p) in filed.progress.items()}, sort_keys=True
            ),
            submitted_at=_at(filed.on),
            submitted_by_id=filed.leader.id if filed.leader else None,
            return_reason=filed.returned,
            acknowledged_at=_at(filed.read_on) if acknowledged else None,
            acknowledged_by_id=filed.reader.id if acknowledged and filed.reader else None,
            created_at=_at(filed.on),
        )
    )


def _send(plan: ImprovementPlan, leader: User | None, on: date) -> None:
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = _at(on)
    plan.submitted_by_id = leader.id if leader else None


def _acknowledge(plan: ImprovementPlan, reader: User | None, on: date) -> None:
    plan.status = PlanStatus.ACKNOWLEDGED
    plan.acknowledged_at = _at(on)
    plan.acknowledged_by_id = reader.id if reader else None


# ---- Xã Ba Nam, 2024 ----------------------------------------------------------------------------------------------


def _progress_at(plan: ImprovementPlan, period: Period) -> dict[int, tuple[TaskStatus, int]]:
    """Each task at the period's end: done once its deadline has passed, otherwise under way in proportion to the
    year gone by."""
    end = date(plan.year, *PERIOD_ENDS[period])
    share = {Period.Q1: 25, Period.H1: 50, Period.M9: 75, Period.YEAR: 100}[period]
    return {
        t.id: (TaskStatus.DONE, 100) if t.due_on is None or t.due_on <= end else (TaskStatus.DOING, share)
        for t in plan.tasks
    }


def _solution(unit: Unit, text: str, codes: str, post: str, due: date) -> PlanTask:
    return PlanTask(
        unit_id=unit.id, kind=TaskKind.SOLUTION, text=text, item_codes=codes, responsible_post=post, due_on=due
    )


def _seed_ba_nam() -> None:
    unit = _unit(BA_NAM)
    district = _unit(DISTRICT[0])
    if unit is None or district is None or _has_plan(unit, 2024):
        return
    result = imported.imported_result(unit.id, 2023)
    if result is None:
        return
    plan = imported.build_draft(result)
    officer, leader = _user(unit.id, Role.OFFICER), _user(unit.id, Role.LEADER)
    plan.number = BA_NAM_NUMBER
    plan.bases = "\n".join(BA_NAM_BASES)
    plan.goals = BA_NAM_GOALS
    plan.target_rank = BA_NAM_RANK
    # Full marks in the three areas the plan takes up (the seed plan sets no other area's points).
    inputs = engine_inputs(imported.version_of(result).id)
    focus = imported.lost_areas(result, inputs)[: imported.FOCUS_AREAS]
    plan.area_targets = json.dumps({a.code: f"{a.max_points:.2f}" for a, _ in focus}, sort_keys=True)
    # Each concrete solution right after the drafted one of its area.
    drafted, plan.tasks = list(plan.tasks), []
    for task in drafted:
        plan.tasks.append(task)
        area = task.item_codes.split(".")[0]
        if task.kind == TaskKind.SOLUTION and area:
            plan.tasks += [_solution(unit, *row) for row in BA_NAM_SOLUTIONS if row[1].split(".")[0] == area]
    for position, task in enumerate(plan.tasks, start=1):
        task.position = position
    for task in plan.tasks:
        if task.responsible_post == drafting.DEFAULT_POST:
            task.responsible_user_id = officer.id if officer else None
    db.session.add(plan)
    db.session.flush()
    reader = _user(district.id, Role.SECRETARIAT)
    _send(plan, leader, BA_NAM_SENT)
    _acknowledge(plan, reader, BA_NAM_READ)
    for period, (on, read_on, narrative) in BA_NAM_REPORTS.items():
        progress = _progress_at(plan, period)
        _file(plan, Filed(period, on, leader, narrative, progress, read_on, reader))
    db.session.commit()


# ---- the new communes, 2026 ---------------------------------------------------------------------------------------


def _progress_2026(plan: ImprovementPlan, share: int) -> dict[int, tuple[TaskStatus, int]]:
    progress = {}
    for i, task in enumerate(plan.tasks):
        percent = min(100, share + 10 * (i % 3))
        status = TaskStatus.DONE if percent >= 100 else TaskStatus.DOING if percent else TaskStatus.TODO
        progress[task.id] = (status, percent)
    return progress


def _new_commune_plan(code: str, index: int, campaign, reader: User | None) -> None:
    unit = _unit(code)
    if unit is None or _has_plan(unit, campaign.year + 1):
        return
    assessment = db.session.execute(
        select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id)
    ).scalar_one_or_none()
    if assessment is None:
        return
    plan = drafting.build_draft(campaign, assessment)
    plan.number = f"{10 + index:02d}/KH-UBND"
    # After the reform the commune's office is «Văn phòng HĐND và UBND xã»: its officer carries the plan.
    authority = db.session.get(Unit, campaign.authority_id)
    plan.organization = drafting.organization_text(unit, authority, NEW_OFFICER_TITLE)
    officer, leader = _user(unit.id, Role.OFFICER), _user(unit.id, Role.LEADER)
    for task in plan.tasks:
        if task.responsible_post == drafting.DEFAULT_POST:
            task.responsible_post = NEW_OFFICER_TITLE
    for task in plan.tasks[:2]:
        task.responsible_user_id = officer.id if officer else None
    db.session.add(plan)
    db.session.flush()
    if code in DRAFT:
        return
    _send(plan, leader, date(2026, 2, 10))
    if code in RETURNED:
        plan.status, plan.return_reason = PlanStatus.RETURNED, RETURNED[code]
        return
    if code in WAITING:
        return
    _acknowledge(plan, reader, date(2026, 2, 20))
    for period, on, share, read_on in (
        (Period.Q1, date(2026, 4, 10), 30, date(2026, 4, 20)),
        (Period.H1, date(2026, 7, 12), 60, date(2026, 7, 20)),
    ):
        returned = RETURNED_H1.get(code, "") if period == Period.H1 else ""
        progress = _progress_2026(plan, share)
        _file(plan, Filed(period, on, leader, NARRATIVE[period], progress, read_on, reader, returned))
    if code not in MISSING_M9:  # the 9-month reports are still to be read
        on, share = (date(2026, 10, 24), 80) if code in LATE_M9 else (date(2026, 10, 13), 90)
        _file(plan, Filed(Period.M9, on, leader, NARRATIVE[Period.M9], _progress_2026(plan, share)))


def _seed_new_communes() -> None:
    province = _unit(PROVINCE[0])
    if province is None:
        return
    campaign = latest_published(province.id)
    if campaign is None or campaign.year != 2025:
        return
    reader = _user(province.id, Role.SECRETARIAT)
    for index, (code, *_) in enumerate(PROVINCE_COMMUNES):
        _new_commune_plan(code, index, campaign, reader)
        db.session.commit()


def seed_plans() -> None:
    """Ba Nam's 2024 plan and the new communes' 2026 plans (see the module's docstring)."""
    _seed_ba_nam()
    _seed_new_communes()
