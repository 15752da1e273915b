"""A criteria version per group of a campaign (issue 15, items 1–2): the communes on a 100-point set, the agencies on a
90-point set with their own wording, in one campaign — opened only when every group of participants has its version,
which cannot change once self-assessment started; each unit's items, appraisal areas, totals, levels (at exact
boundaries) and ranks come from its group's set; the results page, the exports and the decision's annex name each
group's set and maximum; past results import with a version per group."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments, queries
from dvcq.scoring.campaigns import drafting, stages
from dvcq.scoring.decisions import document, generation
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    UnitResult,
    VersionStatus,
)
from dvcq.scoring.results import exports
from dvcq.scoring.results.compute import compute
from dvcq.tenants.models import Unit
from tests import factories
from tests.scoring.campaign_factories import assessment_of, item_of, today_vn, user
from tests.scoring.criteria_factories import make_version

XS, TOT = "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ"
COMMUNE_LEAVES = {
    "1.1": {"max": "60", "name": "Chủ tịch UBND xã tiếp công dân"},
    "2.1": {"max": "40", "name": "Bộ phận Một cửa của xã"},
}
AGENCY_LEAVES = {
    "1.1": {"max": "30", "name": "Quy chế thực hiện dân chủ trong cơ quan"},
    "1.2": {"max": "20", "name": "Hội nghị cán bộ, công chức, viên chức"},
    "2.1": {"max": "40", "name": "Tiếp công dân thuộc lĩnh vực của cơ quan"},
}
COMMUNE_LEVELS = ((XS, "90"), (TOT, "70"), ("Hoàn thành nhiệm vụ", "50"), ("Không hoàn thành nhiệm vụ", "0"))
AGENCY_LEVELS = ((XS, "81"), (TOT, "63"), ("Hoàn thành nhiệm vụ", "45"), ("Không hoàn thành nhiệm vụ", "0"))


@pytest.fixture
def sets(world):
    communes = make_version(world.district_id, leaves=COMMUNE_LEAVES, levels=COMMUNE_LEVELS, name="Bộ tiêu chí khối xã")
    agencies = make_version(
        world.district_id, leaves=AGENCY_LEAVES, levels=AGENCY_LEVELS, name="Bộ tiêu chí khối cơ quan"
    )
    with scoped(SYSTEM):
        ids = SimpleNamespace(id=communes.id), SimpleNamespace(id=agencies.id)
    db.session.remove()
    return ids


def _create(world, criteria: dict[int, int | None], units=None) -> int:
    with scoped(SYSTEM):
        campaign = drafting.create_campaign(
            user(world.secretariat),
            year=2026,
            name="Đánh giá Chỉ số Dân vận chính quyền năm 2026",
            criteria=criteria,
            unit_ids=units or [world.a_id, world.b_id, world.agency_id],
            deadlines=_deadlines(),
        )
        campaign_id = campaign.id
    db.session.remove()
    return campaign_id


def _deadlines():
    return {CampaignStatus.SELF_ASSESSMENT: today_vn() + timedelta(days=20)}


def _open(world, campaign_id: int) -> None:
    with scoped(SYSTEM):
        stages.advance(user(world.secretariat), campaign_id, None)
    db.session.remove()


def _by_group(world, sets) -> dict[int, int]:
    communes, agencies = sets
    return {world.group_communes_id: communes.id, world.group_agencies_id: agencies.id}


def _score(unit_id: int, campaign_id: int, scores: dict[str, str]) -> None:
    """Self and appraised scores straight into the unit's items, its dossier submitted (the self-assessment and
    appraisal flows have their own tests)."""
    with scoped(SYSTEM):
        for code, value in scores.items():
            item = item_of(unit_id, campaign_id, code)
            item = db.session.get(ItemScore, item.id)
            item.self_score = item.appraised_score = D(value)
        db.session.get(Assessment, assessment_of(unit_id, campaign_id).id).status = AssessmentStatus.SUBMITTED
        db.session.commit()
    db.session.remove()


def _results(campaign_id: int) -> dict[int, UnitResult]:
    with scoped(SYSTEM):
        compute(campaign_id)
        rows = db.session.execute(select(UnitResult).where(UnitResult.campaign_id == campaign_id)).scalars()
        return {r.unit_id: r for r in rows}


def _version_of_items(unit_id: int, campaign_id: int) -> set[int]:
    with scoped(SYSTEM):
        return set(
            db.session.execute(
                select(CriteriaNode.version_id)
                .join(ItemScore, ItemScore.node_id == CriteriaNode.id)
                .join(Assessment, Assessment.id == ItemScore.assessment_id)
                .where(Assessment.unit_id == unit_id, Assessment.campaign_id == campaign_id)
            ).scalars()
        )


# ---- choosing, opening, refusing -----------------------------------------------------------------------------------


def test_opening_gives_each_unit_the_items_of_its_groups_version(world, sets, browser):
    communes, agencies = sets
    campaign_id = _create(world, _by_group(world, sets))
    with scoped(SYSTEM):
        assert db.session.get(CriteriaVersion, agencies.id).status == VersionStatus.IN_USE  # pinned: locked
    _open(world, campaign_id)
    assert _version_of_items(world.a_id, campaign_id) == {communes.id}
    assert _version_of_items(world.agency_id, campaign_id) == {agencies.id}
    browser.login(world.secretariat)
    show = browser.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert "Bộ tiêu chí khối xã</a>, tối đa 100,00 điểm" in show
    assert "Bộ tiêu chí khối cơ quan</a>, tối đa 90,00 điểm" in show
    listing = browser.get("/ky-danh-gia/").get_data(as_text=True)
    assert "Khối xã: Bộ tiêu chí khối xã" in listing and "Khối cơ quan: Bộ tiêu chí khối cơ quan" in listing
    with scoped(SYSTEM):
        factories.user("canbo.c", Role.OFFICER, db.session.get(Unit, world.agency_id))
        db.session.commit()
    browser.logout()
    browser.login("canbo.c")
    agency = assessment_of(world.agency_id, campaign_id)
    sheet = browser.get(f"/tu-danh-gia/{agency.id}").get_data(as_text=True)
    assert "Hội nghị cán bộ, công chức, viên chức" in sheet and "Chủ tịch UBND xã tiếp công dân" not in sheet


def test_the_campaign_form_offers_one_choice_per_group_and_proposes_last_years(world, sets, browser):
    communes, agencies = sets
    browser.login(world.secretariat)
    form = browser.get("/ky-danh-gia/moi").get_data(as_text=True)
    for group_id in (world.group_communes_id, world.group_agencies_id):
        assert f'name="criteria-{group_id}"' in form
    assert "tối đa 90,00 điểm" in form and "tối đa 100,00 điểm" in form
    response = browser.post(
        "/ky-danh-gia/moi",
        {
            "year": "2025",
            "name": "Kỳ 2025",
            f"criteria-{world.group_communes_id}": str(communes.id),
            f"criteria-{world.group_agencies_id}": str(agencies.id),
            "self_assessment_deadline": (today_vn() + timedelta(days=20)).strftime("%d/%m/%Y"),
            "unit_ids": [str(world.a_id), str(world.agency_id)],
        },
    )
    assert response.status_code == 302
    with scoped(SYSTEM):
        campaign = db.session.execute(select(Campaign)).scalar_one()
        assert campaign.version_id_for(world.group_agencies_id) == agencies.id
        assert campaign.version_id_for(world.group_communes_id) == communes.id
    form = browser.get("/ky-danh-gia/moi").get_data(as_text=True)  # next year's form proposes this year's sets
    assert f'<option value="{agencies.id}" selected>' in form and f'<option value="{communes.id}" selected>' in form


def test_a_group_without_a_version_cannot_be_opened_and_the_message_names_it(world, sets, browser):
    communes, _ = sets
    campaign_id = _create(world, {world.group_communes_id: communes.id})
    browser.login(world.secretariat)
    show = browser.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert "chưa chọn" in show
    with scoped(SYSTEM), pytest.raises(ServiceError) as caught:
        stages.advance(user(world.secretariat), campaign_id, None)
    assert caught.value.message == "Chưa chuyển được sang giai đoạn «Đơn vị tự đánh giá»:"
    assert caught.value.problems == [
        "«Khối cơ quan» chưa được chọn bộ tiêu chí: hãy chọn bộ tiêu chí cho khối này (Sửa kỳ đánh giá) trước khi "
        "mở kỳ đánh giá."
    ]
    db.session.rollback()
    with scoped(SYSTEM):
        assert db.session.get(Campaign, campaign_id).status == CampaignStatus.DRAFT
        assert db.session.execute(select(ItemScore.id)).first() is None
    # Leaving the agency out opens it: only the groups of participants need a version.
    with scoped(SYSTEM):
        drafting.update_draft(
            user(world.secretariat),
            campaign_id,
            None,
            name="Chỉ khối xã",
            unit_ids=[world.a_id, world.b_id],
            deadlines=_deadlines(),
        )
    _open(world, campaign_id)


def test_a_groups_version_changes_in_draft_but_not_once_self_assessment_started(world, sets):
    communes, agencies = sets
    campaign_id = _create(world, {world.group_communes_id: communes.id, world.group_agencies_id: communes.id})
    edit = {"name": "Kỳ 2026", "unit_ids": [world.a_id, world.agency_id], "deadlines": _deadlines()}
    with scoped(SYSTEM):
        drafting.update_draft(user(world.secretariat), campaign_id, None, criteria=_by_group(world, sets), **edit)
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.version_id_for(world.group_agencies_id) == agencies.id
        assert db.session.get(CriteriaVersion, agencies.id).status == VersionStatus.IN_USE
    db.session.remove()
    _open(world, campaign_id)
    swapped = {world.group_communes_id: communes.id, world.group_agencies_id: communes.id}
    with scoped(SYSTEM), pytest.raises(Conflict) as caught:
        drafting.update_draft(user(world.secretariat), campaign_id, None, criteria=swapped, **edit)
    assert caught.value.message == (
        "Kỳ đánh giá đã bắt đầu tự đánh giá nên không đổi được bộ tiêu chí của «Khối cơ quan»: các đơn vị đã chấm "
        "theo bộ tiêu chí đã chọn khi mở kỳ đánh giá."
    )
    db.session.rollback()
    with scoped(SYSTEM):
        assert db.session.get(Campaign, campaign_id).version_id_for(world.group_agencies_id) == agencies.id


def test_no_version_at_all_or_another_authoritys_version_is_refused(world, sets):
    foreign = make_version(world.province_id, name="Bộ của tỉnh")
    with scoped(SYSTEM), pytest.raises(ServiceError) as caught:
        _create(world, {})
    assert "Vui lòng chọn bộ tiêu chí áp dụng cho từng khối của kỳ đánh giá." in caught.value.problems
    db.session.rollback()
    with pytest.raises(ServiceError) as caught:
        _create(world, {world.group_agencies_id: foreign.id})
    assert "Bộ tiêu chí chọn cho «Khối cơ quan» không thuộc cơ quan đánh giá." in caught.value.problems


def test_an_area_assignment_covers_only_the_units_scored_on_that_area_s_set(world, sets):
    communes, agencies = sets
    campaign_id = _create(world, _by_group(world, sets))
    _open(world, campaign_id)
    with scoped(SYSTEM):
        agency_area = db.session.execute(
            select(CriteriaNode.id).where(CriteriaNode.version_id == agencies.id, CriteriaNode.code == "1")
        ).scalar_one()
    with scoped(Scope(world.district_id)):
        secretariat, appraiser = user(world.secretariat), user(world.appraiser)
        with pytest.raises(ServiceError) as caught:
            assignments.assign(secretariat, campaign_id, appraiser.id, world.a_id, agency_area)
        assert caught.value.message == "Lĩnh vực không thuộc bộ tiêu chí mà đơn vị này được chấm."
        db.session.rollback()
        assignments.assign(secretariat, campaign_id, appraiser.id, None, agency_area)  # area 1 of the agencies' set
        commune = assessment_of(world.a_id, campaign_id)
        agency = assessment_of(world.agency_id, campaign_id)
        appraiser = user(world.appraiser)
        assert not assignments.may_appraise(appraiser, commune, "1.1")  # the communes' area 1 is another area
        assert assignments.may_appraise(appraiser, agency, "1.2")
        assert not assignments.may_appraise(appraiser, agency, "2.1")
        assert assignments.appraisable_areas(appraiser, commune) == set()
        assert assignments.appraisable_areas(appraiser, agency) == {"1"}
        areas = queries.areas_of(db.session.get(Campaign, campaign_id))
        assert [(v.name, [n.code for n in nodes]) for v, nodes in areas] == [
            ("Bộ tiêu chí khối xã", ["1", "2"]),
            ("Bộ tiêu chí khối cơ quan", ["1", "2"]),
        ]


# ---- results, levels at the boundaries, documents --------------------------------------------------------------------


def test_levels_and_ranks_come_from_each_groups_set_at_exact_boundaries(world, sets):
    campaign_id = _create(world, _by_group(world, sets))
    _open(world, campaign_id)
    _score(world.a_id, campaign_id, {"1.1": "50", "2.1": "40"})  # 90,00 of 100: xuất sắc (≥ 90)
    _score(world.b_id, campaign_id, {"1.1": "41", "2.1": "40"})  # 81,00 of 100: tốt
    _score(world.agency_id, campaign_id, {"1.1": "30", "1.2": "11", "2.1": "40"})  # 81,00 of 90: xuất sắc (≥ 81)
    rows = _results(campaign_id)
    a, b, agency = rows[world.a_id], rows[world.b_id], rows[world.agency_id]
    assert (a.appraised_total, a.level_name, a.rank, a.rank_of) == (D("90.00"), XS, 1, 2)
    assert (b.appraised_total, b.level_name, b.rank, b.rank_of) == (D("81.00"), TOT, 2, 2)
    assert (agency.appraised_total, agency.level_name, agency.rank, agency.rank_of) == (D("81.00"), XS, 1, 1)
    assert agency.group_name == "Khối cơ quan" and a.group_name == "Khối xã"
    _score(world.agency_id, campaign_id, {"1.2": "10.75"})  # 80,75: just below the agencies' threshold
    _score(world.a_id, campaign_id, {"1.1": "49.75"})  # 89,75: just below the communes'
    rows = _results(campaign_id)
    assert (rows[world.agency_id].appraised_total, rows[world.agency_id].level_name) == (D("80.75"), TOT)
    assert (rows[world.a_id].appraised_total, rows[world.a_id].level_name) == (D("89.75"), TOT)
    assert rows[world.a_id].rank == 1  # 89,75 still above 81,00 among the communes; the agency ranks alone


def test_results_page_exports_and_annex_name_each_groups_set_and_maximum(world, sets, browser):
    campaign_id = _create(world, _by_group(world, sets))
    _open(world, campaign_id)
    _score(world.a_id, campaign_id, {"1.1": "55", "2.1": "36.5"})
    _score(world.b_id, campaign_id, {"1.1": "41", "2.1": "40"})
    _score(world.agency_id, campaign_id, {"1.1": "27.5", "1.2": "20", "2.1": "35"})
    _results(campaign_id)
    browser.login(world.secretariat)
    page = browser.get("/ket-qua/2026").get_data(as_text=True)
    assert "Khối xã — Bộ tiêu chí khối xã, tối đa 100,00 điểm" in page
    assert "Khối cơ quan — Bộ tiêu chí khối cơ quan, tối đa 90,00 điểm" in page

    with scoped(SYSTEM):
        sheet = exports.results_sheet(world.district_id, 2026, require_published=False)
        table = load_workbook(io.BytesIO(exports.results_workbook(sheet))).active
        items = load_workbook(io.BytesIO(exports.items_workbook(world.district_id, 2026))).active
    values = [[c.value for c in row] for row in table.iter_rows(min_row=exports.HEADER_ROW)]
    assert values[0][-2:] == ["Bộ tiêu chí", "Điểm tối đa"]
    by_unit = {row[2]: row for row in values[1:]}
    assert by_unit["C"][4] == "Khối cơ quan" and by_unit["C"][-2:] == ["Bộ tiêu chí khối cơ quan", 90]
    assert by_unit["A"][-2:] == ["Bộ tiêu chí khối xã", 100]
    lines = [[c.value for c in row] for row in items.iter_rows()]
    assert lines[0][:5] == ["Mã đơn vị", "Tên đơn vị", "Khối", "Bộ tiêu chí", "Mã tiêu chí"]
    agency_lines = [line for line in lines[1:] if line[0] == "C"]
    assert [(line[4], line[5], line[6]) for line in agency_lines] == [
        ("1.1", "Quy chế thực hiện dân chủ trong cơ quan", 30),
        ("1.2", "Hội nghị cán bộ, công chức, viên chức", 20),
        ("2.1", "Tiếp công dân thuộc lĩnh vực của cơ quan", 40),
    ]

    with scoped(SYSTEM):
        annex = generation.annex_groups(db.session.get(Campaign, campaign_id))
    assert [(g.title, g.criteria, [r.unit_name for r in g.rows]) for g in annex] == [
        ("Khối xã", "Bộ tiêu chí khối xã, tối đa 100,00 điểm", ["Xã An Bình", "Xã Bình Đông"]),
        ("Khối cơ quan", "Bộ tiêu chí khối cơ quan, tối đa 90,00 điểm", ["Phòng Nội vụ"]),
    ]
    docx = Document(io.BytesIO(document.build_docx(_document(annex))))
    texts = [p.text for p in docx.paragraphs]
    assert "Chấm theo Bộ tiêu chí khối xã, tối đa 100,00 điểm" in texts
    assert "Chấm theo Bộ tiêu chí khối cơ quan, tối đa 90,00 điểm" in texts
    annex_tables = [[[c.text for c in row.cells] for row in t.rows] for t in docx.tables[-2:]]
    assert annex_tables[0][1][1:4] == ["Xã An Bình", "91,50", "91,50"]
    assert annex_tables[1][1:] == [["1", "Phòng Nội vụ", "82,50", "82,50", XS, "01/01"]]


def _document(annex) -> document.DecisionDocument:
    return document.DecisionDocument(
        issuer_parent="UBND TỈNH THỬ NGHIỆM",
        issuer="ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM",
        issuer_in_text="Ủy ban nhân dân huyện Thử Nghiệm",
        number="",
        place="Thử Nghiệm",
        date=None,
        summary="Về việc phê duyệt kết quả đánh giá",
        authority_line="CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM",
        legal_bases=(),
        articles=("Phê duyệt kết quả.",),
        signer_authority="TM. ỦY BAN NHÂN DÂN",
        signer_title="CHỦ TỊCH",
        signer_name="",
        recipients=(),
        annex_title="Kết quả đánh giá năm 2026",
        annex_groups=annex,
        draft=True,
    )


def test_an_agencys_plan_is_drafted_from_the_lost_items_of_its_own_set(world, sets):
    from dvcq.plans.drafting import build_draft
    from dvcq.plans.models import TaskKind

    campaign_id = _create(world, _by_group(world, sets))
    _open(world, campaign_id)
    _score(world.agency_id, campaign_id, {"1.1": "27.5", "1.2": "20", "2.1": "35"})
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, campaign_id)
        plan = build_draft(campaign, db.session.get(Assessment, assessment_of(world.agency_id, campaign_id).id))
        solutions = [t for t in plan.tasks if t.kind == TaskKind.SOLUTION]
        assert [(t.item_codes, t.points_lost) for t in solutions] == [("2.1", D("5.00")), ("1.1", D("2.50"))]
        assert "Tiếp công dân thuộc lĩnh vực của cơ quan" in solutions[0].text
        assert "Quy chế thực hiện dân chủ trong cơ quan" in solutions[1].text
        assert not any("xã" in t.text for t in plan.tasks)  # nothing of the communes' set
        db.session.rollback()


# ---- past results ----------------------------------------------------------------------------------------------------


def test_past_results_import_classifies_each_group_on_its_own_version(world, sets, runner, tmp_path):
    communes, agencies = sets
    path = tmp_path / "ket qua.csv"
    path.write_text(
        "Năm,Mã đơn vị,Khối,Điểm thẩm định\n2024,A,Khối xã,81\n2024,B,Khối xã,90\n2024,C,Khối cơ quan,81\n",
        encoding="utf-8",
    )
    args = ["dvcq", "results", "import", str(path), "--authority", "D"]
    result = runner.invoke(args=[*args, "--criteria", str(communes.id), "--criteria", f"Khối cơ quan={agencies.id}"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        f"Khối cơ quan: xếp loại theo bộ tiêu chí «Bộ tiêu chí khối cơ quan» (mã {agencies.id}).",
        f"Khối xã: xếp loại theo bộ tiêu chí «Bộ tiêu chí khối xã» (mã {communes.id}).",
    ]
    with scoped(SYSTEM):
        rows = {r.unit.code: r for r in db.session.execute(select(UnitResult)).scalars()}
        assert (rows["A"].level_name, rows["B"].level_name, rows["C"].level_name) == (TOT, XS, XS)
    path.write_text("Năm,Mã đơn vị,Khối,Điểm thẩm định\n2024,C,Khối cơ quan,95\n", encoding="utf-8")
    result = runner.invoke(args=[*args, "--criteria", f"Khối cơ quan={agencies.id}"])
    assert result.exit_code == 1
    assert "điểm 95,00 vượt quá điểm tối đa 90,00 của bộ tiêu chí" in result.stderr
    result = runner.invoke(args=[*args, "--criteria", "Khối cơ quan=x"])
    assert result.exit_code == 1 and "«Khối cơ quan=x»" in result.stderr
