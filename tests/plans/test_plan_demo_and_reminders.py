"""The demo's plans — Xã Ba Nam's 2024 plan, the seed case, and the new communes' 2026 plans under way — the report
reminders and escalation, and the profile's plans."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from dvcq.insights.profiles import unit_plans
from dvcq.plans import editing, handovers, outcomes, reminders, reports
from dvcq.plans.demo import LATE_M9, seed_plans
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, ProgressReport, ReportStatus, TaskKind
from dvcq.platform import clock
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.demo import PROVINCE_COMMUNES, chairman_name
from tests.documents import lines, open_docx
from tests.plans.plan_factories import as_authority, as_unit, published_2025, user
from tests.plans.test_plan_documents import in_order
from tests.plans.test_plan_services import load
from tests.reform_demo import seed_until_2025


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


SEED_OPENING = (
    "Thực hiện Quyết định số 3807/QĐ-UBND ngày 29/12/2023 của Ủy ban nhân dân huyện Ba Tơ phê duyệt kết quả đánh giá, "
    "phân loại công tác dân vận chính quyền năm 2023; theo đó, năm 2023 xã Ba Nam tự chấm 97,00 điểm, được thẩm định "
    "85,50 điểm, xếp loại Hoàn thành tốt nhiệm vụ, xếp hạng 02/19."
)


def _demo_plans(app, monkeypatch) -> dict[tuple[str, int], int]:
    """The demo up to the province's 2025 decision, then the plans' seeder: {(unit code, year): plan id}."""
    seed_until_2025(app, monkeypatch)
    with scoped(SYSTEM):
        seed_plans()
        plans = {(p.unit.code, p.year): p.id for p in db.session.execute(select(ImprovementPlan)).scalars()}
    db.session.remove()
    return plans


def _lines(runner, tmp_path, *args: str) -> list[str]:
    path = tmp_path / "van-ban.docx"
    result = runner.invoke(args=["dvcq", "documents", *args, "--unit", "BATO-BNA", "--year", "2024", str(path)])
    assert result.exit_code == 0, result.output
    return lines(open_docx(path.read_bytes()))


def test_ba_nams_2024_plan_is_the_seed_drafted_from_its_imported_2023_and_reported_on_all_year(
    app, monkeypatch, runner, tmp_path
):
    plans = _demo_plans(app, monkeypatch)
    plan = load(plans[("BATO-BNA", 2024)])
    assert (plan.source_result_year, plan.source_campaign_id, plan.number) == (2023, None, "18/KH-UBND")
    assert (plan.status, plan.target_rank, plan.target_level_name) == (
        PlanStatus.ACKNOWLEDGED,
        2,
        "Hoàn thành xuất sắc nhiệm vụ",
    )
    assert [t.item_codes for t in plan.tasks if t.kind == TaskKind.FOCUS] == [
        "2.1,2.2,2.3,2.4",
        "4.1,4.2,4.3",
        "6.1,6.2,6.3",
    ]
    with scoped(SYSTEM):
        reader = db.session.execute(select(User).where(User.login == "huyen.thuongtruc")).scalar_one()
    filed = {r.period: r for r in plan.reports}
    assert set(filed) == set(Period) and {r.status for r in filed.values()} == {ReportStatus.ACKNOWLEDGED}
    assert {r.acknowledged_by_id for r in filed.values()} == {reader.id}
    assert all(
        date(2024, 1, 1) < r.submitted_at.date() < r.acknowledged_at.date() < date(2025, 2, 1) for r in filed.values()
    )
    assert all(not reports.is_late(r, 2024) for r in filed.values())
    with scoped(SYSTEM):
        assert [(o.label, o.achieved, o.met) for o in outcomes.outcomes(plan)][:2] == [
            ("Xếp hạng", "02/19", True),
            ("Xếp loại", "Hoàn thành xuất sắc nhiệm vụ", True),
        ]
        assert all(o.met for o in outcomes.outcomes(plan))

    text = _lines(runner, tmp_path, "plan")
    assert text[:5] == [
        "ỦY BAN NHÂN DÂN XÃ BA NAM",
        "Số: 18/KH-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Ba Nam, ngày 26 tháng 02 năm 2024",
    ]
    in_order(
        text,
        "Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của xã năm 2024",
        "Căn cứ Công văn số 245/UBND ngày 31/10/2023 của Ủy ban nhân dân huyện Ba Tơ;",
        "Thực hiện Kế hoạch số 22/KH-UBND ngày 29/01/2024 của Ủy ban nhân dân huyện Ba Tơ;",
        "I. MỤC TIÊU, CHỈ TIÊU",
        "- Giữ vững thứ hạng 02/19 trong khối.",
        "- Phấn đấu đạt xếp loại «Hoàn thành xuất sắc nhiệm vụ».",
        "II. NHIỆM VỤ, GIẢI PHÁP",
        "III. TỔ CHỨC THỰC HIỆN",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        chairman_name(10),
    )
    assert any(line.startswith(SEED_OPENING) for line in text)
    officer = next(line for line in text if line.startswith("2. Giao công chức Văn phòng - Thống kê"))
    assert "định kỳ quý, 6 tháng, 9 tháng và năm" in officer
    year_report = _lines(runner, tmp_path, "report", "--period", "ca-nam")
    assert "Ba Nam, ngày 12 tháng 12 năm 2024" in year_report
    assert any(
        line.startswith("Thực hiện Kế hoạch số 18/KH-UBND ngày 26/02/2024 của Ủy ban nhân dân xã Ba Nam")
        for line in year_report
    )

    with scoped(SYSTEM):
        seed_plans()
        db.session.commit()
        assert db.session.execute(select(func.count(ImprovementPlan.id))).scalar_one() == len(plans)
        assert db.session.execute(select(func.count(ProgressReport.id))).scalar_one() == sum(
            len(load(i).reports) for i in plans.values()
        )


def test_the_new_communes_2026_plans_are_under_way_with_one_report_missing(app, monkeypatch, make_browser):
    plans = _demo_plans(app, monkeypatch)
    assert sorted(code for code, year in plans if year == 2026) == sorted(code for code, *_ in PROVINCE_COMMUNES)
    assert sorted(plans) == sorted([("BATO-BNA", 2024), *((code, 2026) for code, *_ in PROVINCE_COMMUNES)])
    new = {code: load(plans[(code, 2026)]) for code, *_ in PROVINCE_COMMUNES}
    assert all(p.source_campaign_id is not None for p in new.values())
    on = date(2026, 11, 26)
    ba_dong = new["QNG-BDO"]
    assert ba_dong.status == PlanStatus.ACKNOWLEDGED
    assert reports.report_state(ba_dong, Period.Q1, on) == "acknowledged"
    assert reports.report_state(new["QNG-BATO"], Period.M9, on) == "submitted"  # the province has still to read it
    assert reports.report_state(ba_dong, Period.M9, on) == "late"
    assert reports.report_state(new["QNG-BTO"], Period.H1, on) == "returned"
    assert reports.report_of(new["QNG-BTO"], Period.H1).return_reason
    assert reports.report_state(new["QNG-BXA"], Period.M9, on) == "missing"
    assert new["QNG-DTT"].status == PlanStatus.RETURNED and new["QNG-BVI"].status == PlanStatus.DRAFT
    assert new["QNG-BVN"].status == PlanStatus.SUBMITTED
    assert "Văn phòng HĐND và UBND xã" in ba_dong.organization

    monkeypatch.setattr(clock, "today_in_vietnam", lambda: on)
    commune, province, district = make_browser(), make_browser(), make_browser()
    commune.login("canbo.badong")
    province.login("thuongtruc")
    district.login("huyen.thuongtruc")
    page = commune.get(f"/ke-hoach/{ba_dong.id}").get_data(as_text=True)
    assert "Đã tiếp nhận" in page and "Nộp muộn, chờ tiếp nhận" in page
    follow = province.get("/ke-hoach/theo-doi?nam=2026").get_data(as_text=True)
    assert follow.count('data-state="missing"') == 1 and follow.count('data-state="late"') == len(LATE_M9)
    assert "Xã Ba Xa" in follow and "Bị trả lại" in follow
    history = district.get("/ke-hoach/theo-doi").get_data(as_text=True)
    assert "Xã Ba Nam" in history and history.count('data-state="acknowledged"') == len(Period)
    assert commune.get("/ke-hoach/theo-doi").status_code == 403
    assert (
        province.get(f"/ke-hoach/{plans[('BATO-BNA', 2024)]}").status_code == 404
    )  # the district's, not the province's


def acknowledged(world) -> int:
    published_2025(world)
    with as_unit(world, world.a_id):
        plan = editing.draft_plan(user(world.officer_a), world.a_id)
        handovers.submit_plan(user(world.leader_a), plan.id, plan.version)
        plan_id, version = plan.id, plan.version
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, version)
    db.session.remove()
    return plan_id


def notes(user_id: int) -> list[str]:
    return list(db.session.execute(select(Notification.text).where(Notification.user_id == user_id)).scalars())


def tick(now: datetime) -> int:
    with scoped(SYSTEM):
        sent = reminders.report_reminders(now)
        db.session.commit()
    return sent


def test_reminder_before_due_then_leader_then_secretariat_seven_days_late_each_once(world):
    acknowledged(world)
    assert tick(datetime(2026, 4, 9, 3)) == 2  # officer and leader of A, 6 days before 15/04
    assert tick(datetime(2026, 4, 9, 9)) == 0  # the same tick again sends nothing
    assert any("Sắp đến hạn nộp báo cáo Quý I" in t for t in notes(world.ids["officer_a"]))
    assert tick(datetime(2026, 4, 17, 3)) == 1  # late: the leader only
    assert any("quá hạn nộp báo cáo Quý I" in t for t in notes(world.ids["leader_a"]))
    assert not notes(world.ids["secretariat"])[1:]  # only the submission note so far
    assert tick(datetime(2026, 4, 22, 3)) == 1  # 7 days late: the secretariat
    assert any("Xã An Bình quá hạn nộp báo cáo Quý I" in t for t in notes(world.ids["secretariat"]))
    assert tick(datetime(2026, 4, 23, 3)) == 0


def test_the_profile_lists_the_plan_with_targets_not_yet_known(world):
    plan_id = acknowledged(world)
    with as_authority(world):
        plans = unit_plans(world.a_id)
    assert [p.url for p in plans] == [f"/ke-hoach/{plan_id}"]
    assert plans[0].targets and all(met is None for _, met in plans[0].targets)
