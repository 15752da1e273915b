"""`dvcq criteria list` and `dvcq campaigns list`: a header and one tab-separated line per version or campaign, so a
script can find the id it needs; only the chosen authority's rows; a bad authority exits 1 in Vietnamese."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Campaign, CampaignCriteria, CampaignStatus, VersionStatus
from dvcq.tenants.models import Unit
from tests.scoring.criteria_factories import make_version

CRITERIA_HEADER = "Mã\tTên bộ tiêu chí\tDùng cho khối (năm)\tTrạng thái\tĐiểm tối đa"
CAMPAIGNS_HEADER = "Mã\tNăm\tTên kỳ đánh giá\tTrạng thái\tBộ tiêu chí theo khối"


@pytest.fixture(autouse=True)
def _system_scope_for_test_queries(app):
    """The test's own arrangements cross authorities; each command sets its own scope."""
    with scoped(SYSTEM):
        yield


def campaign(authority_id: int, year: int, status: CampaignStatus, sets: dict[int, int] | None = None) -> int:
    """A campaign whose groups (id → criteria version id) are scored on the given versions."""
    made = Campaign(
        authority_id=authority_id,
        year=year,
        name=f"Đánh giá Chỉ số Dân vận chính quyền năm {year}",
        status=status,
        created_at=clock.now(),
    )
    for group_id, version_id in (sets or {}).items():
        made.criteria.append(CampaignCriteria(authority_id=authority_id, group_id=group_id, version_id=version_id))
    db.session.add(made)
    db.session.commit()
    return made.id


@pytest.fixture
def district(world):
    """Huyện Thử Nghiệm: communes on one set since 2025, its agencies on their own set from 2026, a new draft set
    for 2027 and a 2027 campaign still without sets; Huyện Khác has a set of its own."""
    communes = make_version(world.district_id, name="Bộ tiêu chí khối xã", status=VersionStatus.IN_USE).id
    agencies = make_version(world.district_id, name="Bộ tiêu chí khối cơ quan", leaves={"1.1": "60", "2.1": "30"}).id
    draft = make_version(world.district_id, name="Bộ tiêu chí 2027\n(dự thảo)", leaves={"1.1": "100"}).id
    other_district = db.session.execute(select(Unit.id).where(Unit.code == "D2")).scalar_one()
    foreign = make_version(other_district, name="Bộ tiêu chí huyện khác").id
    xa, co_quan = world.group_communes_id, world.group_agencies_id
    ids = {
        2025: campaign(world.district_id, 2025, CampaignStatus.PUBLISHED, {xa: communes, co_quan: communes}),
        2026: campaign(world.district_id, 2026, CampaignStatus.SELF_ASSESSMENT, {xa: communes, co_quan: agencies}),
        2027: campaign(world.district_id, 2027, CampaignStatus.DRAFT),
    }
    return {"communes": communes, "agencies": agencies, "draft": draft, "foreign": foreign, "campaigns": ids}


def dvcq(runner, *args: str):
    return runner.invoke(args=["dvcq", *args])


def test_criteria_list_shows_each_version_with_its_groups_status_and_maximum(runner, district):
    result = dvcq(runner, "criteria", "list", "--authority", "D")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        CRITERIA_HEADER,
        f"{district['communes']}\tBộ tiêu chí khối xã\tKhối xã (2025, 2026); Khối cơ quan (2025)\t"
        "Đang áp dụng (đã khoá)\t10,00",
        f"{district['agencies']}\tBộ tiêu chí khối cơ quan\tKhối cơ quan (2026)\tĐang áp dụng (đã khoá)\t90,00",
        f"{district['draft']}\tBộ tiêu chí 2027 (dự thảo)\t—\tBản nháp\t100,00",
    ]
    assert result.stderr == ""


def test_a_script_finds_the_id_of_the_set_a_group_is_scored_on(runner, district):
    lines = dvcq(runner, "criteria", "list", "--authority", "D").stdout.splitlines()
    rows = [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True)) for line in lines[1:]]
    agencies_2026 = next(row["Mã"] for row in rows if "Khối cơ quan (2026)" in row["Dùng cho khối (năm)"])
    assert int(agencies_2026) == district["agencies"]


def test_campaigns_list_shows_year_status_and_each_groups_criteria_version(runner, district):
    result = dvcq(runner, "campaigns", "list", "--authority", "D")
    assert result.exit_code == 0, result.output
    c, communes, agencies = district["campaigns"], district["communes"], district["agencies"]
    assert result.stdout.splitlines() == [
        CAMPAIGNS_HEADER,
        f"{c[2025]}\t2025\tĐánh giá Chỉ số Dân vận chính quyền năm 2025\tĐã công bố\t"
        f"Khối xã: {communes} «Bộ tiêu chí khối xã»; Khối cơ quan: {communes} «Bộ tiêu chí khối xã»",
        f"{c[2026]}\t2026\tĐánh giá Chỉ số Dân vận chính quyền năm 2026\tĐơn vị tự đánh giá\t"
        f"Khối xã: {communes} «Bộ tiêu chí khối xã»; Khối cơ quan: {agencies} «Bộ tiêu chí khối cơ quan»",
        f"{c[2027]}\t2027\tĐánh giá Chỉ số Dân vận chính quyền năm 2027\tĐang chuẩn bị\t—",
    ]


def test_another_authoritys_versions_and_campaigns_are_not_listed(runner, district):
    ours = dvcq(runner, "criteria", "list", "--authority", "D").stdout
    assert "Bộ tiêu chí huyện khác" not in ours and f"\n{district['foreign']}\t" not in ours
    theirs = dvcq(runner, "criteria", "list", "--authority", "D2")
    assert theirs.stdout.splitlines() == [
        CRITERIA_HEADER,
        f"{district['foreign']}\tBộ tiêu chí huyện khác\t—\tBản nháp\t10,00",
    ]
    campaigns = dvcq(runner, "campaigns", "list", "--authority", "D2")
    assert campaigns.exit_code == 0
    assert campaigns.stdout == CAMPAIGNS_HEADER + "\n"
    assert campaigns.stderr == "Huyện Khác chưa có kỳ đánh giá nào.\n"


@pytest.mark.parametrize("command", ["criteria", "campaigns"])
def test_a_bad_authority_exits_1_with_a_vietnamese_message(runner, district, command):
    unknown = dvcq(runner, command, "list", "--authority", "ZZ")
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert unknown.stderr == "Lỗi: Không có đơn vị mã «ZZ».\n"
    commune = dvcq(runner, command, "list", "--authority", "A")
    assert commune.exit_code == 1
    assert commune.stderr == "Lỗi: «Xã An Bình» không phải cơ quan đánh giá (huyện hoặc tỉnh).\n"
    ambiguous = dvcq(runner, command, "list")
    assert ambiguous.exit_code == 1
    assert ambiguous.stderr == "Lỗi: Có nhiều cơ quan đánh giá (D, D2): hãy chọn một bằng --authority MÃ.\n"
