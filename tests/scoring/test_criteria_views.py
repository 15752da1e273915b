"""The criteria screens as each role sees them: the list and the tree, the sample's banner, uploading a workbook
(problems on the page, nothing saved), downloading, copying, comparing, and who gets 403 or 404."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Campaign, CriteriaNode, CriteriaVersion, VersionStatus
from dvcq.tenants.models import Unit
from tests import factories
from tests.factories import every_group_on
from tests.scoring.criteria_factories import load_sample_version, make_version
from tests.scoring.test_criteria_import import small_criteria, workbook


@pytest.fixture(autouse=True)
def _system_scope_for_test_queries(app):
    """The test's own checks read across the authority; requests still set their own scope."""
    with scoped(SYSTEM):
        yield


def page(response) -> str:
    return response.get_data(as_text=True)


def without_token(body: str) -> str:
    return re.sub(r'(name="csrf-token" content=")[^"]+', r"\1", body)


def versions_count() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.execute(select(func.count()).select_from(CriteriaVersion)).scalar_one(),
        db.session.execute(select(func.count()).select_from(CriteriaNode)).scalar_one(),
    )


def upload(browser, url: str, data: bytes, filename: str = "bộ tiêu chí 2026.xlsx", name: str = ""):
    return browser.post(url, {"file": (io.BytesIO(data), filename), "name": name}, content_type="multipart/form-data")


def add_campaign(world, version_id: int) -> None:
    with scoped(SYSTEM):
        db.session.add(
            Campaign(
                authority_id=world.district_id,
                year=2026,
                name="Đánh giá Chỉ số DVCQ năm 2026",
                criteria=every_group_on(world.district_id, version_id),
                status="self_assessment",
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.get(CriteriaVersion, version_id).status = VersionStatus.IN_USE
        db.session.commit()


def test_the_secretariat_sees_the_nav_item_and_the_list(world, browser):
    version = load_sample_version(world.district_id)
    browser.login(world.secretariat)
    home = page(browser.get("/"))
    assert '<a href="/tieu-chi/">Bộ tiêu chí</a>' in home
    listing = page(browser.get("/tieu-chi/"))
    assert f'data-version-id="{version.id}"' in listing
    assert "100,00" in listing and '<td class="num" data-label="Tiêu chí chấm điểm">49</td>' in listing
    assert "Bản nháp" in listing and "Nhập bộ tiêu chí từ tệp .xlsx" in listing


def test_the_sample_version_reads_as_a_tree_with_a_banner(world, browser):
    version = load_sample_version(world.district_id)
    browser.login(world.leadership)
    body = page(browser.get(f"/tieu-chi/{version.id}"))
    assert "Bộ tiêu chí mẫu — cần thay bằng bộ tiêu chí chính thức của tỉnh" in body
    assert body.count("<details") == sum(not n.is_leaf for n in version.nodes) == 30  # areas and criteria fold
    assert 'data-code="2.4"' in body and "Cấp trên chấm" in body
    assert "trừ tối đa 10,00 điểm" in body and "thưởng tối đa 5,00 điểm" in body
    assert "Cách chấm: <strong>có/không</strong>" in body and "Bước điểm: <strong>0,50</strong>" in body
    assert "Tài liệu kiểm chứng: <strong>bắt buộc</strong>" in body
    assert "Hoàn thành xuất sắc nhiệm vụ" in body and "90,00" in body
    assert "DK2" in body and "xếp loại không cao hơn mức 2 (Hoàn thành tốt nhiệm vụ)" in body
    assert "Sao chép thành phiên bản mới" not in body  # leadership reads only


def test_upload_of_a_good_workbook_creates_a_draft(world, browser):
    browser.login(world.secretariat)
    response = upload(browser, "/tieu-chi/nhap", workbook(), name="Bộ tiêu chí thử")
    assert response.status_code == 302
    version = db.session.execute(select(CriteriaVersion)).scalar_one()
    assert response.headers["Location"].endswith(f"/tieu-chi/{version.id}")
    assert version.name == "Bộ tiêu chí thử" and version.authority_id == world.district_id
    body = page(browser.get(response.headers["Location"]))
    assert "Đã nhập «Bộ tiêu chí thử»: 2 lĩnh vực, 3 tiêu chí chấm điểm, tổng 10,00 điểm" in body


def test_upload_without_a_name_uses_the_vietnamese_file_name(world, browser):
    browser.login(world.secretariat)
    assert upload(browser, "/tieu-chi/nhap", workbook()).status_code == 302
    assert db.session.execute(select(CriteriaVersion.name)).scalar_one() == "bộ tiêu chí 2026"


def test_upload_of_a_bad_workbook_lists_every_problem_and_saves_nothing(world, browser):
    rows = small_criteria()
    rows[1][2] = "7"
    rows[2][3] = "tự do"
    browser.login(world.secretariat)
    before = versions_count()
    response = upload(browser, "/tieu-chi/nhap", workbook(rows))
    assert response.status_code == 400
    body = page(response)
    assert "Tệp bộ tiêu chí có 2 lỗi; chưa nhập gì." in body
    assert "Trang «TieuChi» – Dòng 2, cột «Điểm tối đa»: điểm tối đa 7,00 khác tổng" in body
    assert "Trang «TieuChi» – Dòng 3, cột «Cách chấm»: cách chấm «tự do» không hợp lệ" in body
    assert versions_count() == before


def test_upload_of_a_file_that_is_not_a_workbook_is_refused_on_the_page(world, browser):
    browser.login(world.secretariat)
    response = upload(browser, "/tieu-chi/nhap", b"MZ\x90\x00 not excel", filename="virus.xlsx")
    assert response.status_code == 400
    assert "không phải bảng tính Excel (.xlsx) hợp lệ" in page(response)
    assert versions_count() == (0, 0)


def test_officers_leaders_appraisers_and_leadership_may_not_import(world, make_browser):
    for login in (world.officer_a, world.leader_a, world.appraiser, world.leadership):
        browser = make_browser()
        browser.login(login)
        assert browser.get("/tieu-chi/nhap").status_code == 403
        assert upload(browser, "/tieu-chi/nhap", workbook()).status_code == 403
    assert versions_count() == (0, 0)


def test_communes_have_no_list_and_see_only_versions_their_campaigns_use(world, browser):
    draft = make_version(world.district_id, name="Bản nháp nội bộ")
    used = load_sample_version(world.district_id)
    add_campaign(world, used.id)
    browser.login(world.officer_a)
    assert "/tieu-chi/" not in page(browser.get("/"))
    assert browser.get("/tieu-chi/").status_code == 403
    assert browser.get(f"/tieu-chi/{draft.id}").status_code == 404
    body = page(browser.get(f"/tieu-chi/{used.id}"))
    assert "Đang áp dụng (đã khoá)" in body and "Đánh giá Chỉ số DVCQ năm 2026" in body
    assert "Sao chép" not in body and "Sửa tên" not in body and "Xoá bản nháp" not in body
    assert browser.get(f"/tieu-chi/{used.id}/tai-ve").status_code == 200
    assert browser.post(f"/tieu-chi/{used.id}/sao-chep", {"name": "x"}).status_code == 403


def test_another_districts_secretariat_gets_the_same_404_as_for_a_missing_version(world, browser):
    version = make_version(world.district_id)
    with scoped(SYSTEM):
        other = db.session.execute(select(Unit).where(Unit.code == "D2")).scalar_one()
        factories.user("thuongtruc.d2", Role.SECRETARIAT, other)
        db.session.commit()
    browser.login("thuongtruc.d2")
    for suffix in ("", "/tai-ve", "/nhap-lai", "/sua"):
        foreign = browser.get(f"/tieu-chi/{version.id}{suffix}")
        missing = browser.get(f"/tieu-chi/999999{suffix}")
        assert foreign.status_code == missing.status_code == 404
        assert without_token(page(foreign)) == without_token(page(missing))
    assert browser.get(f"/tieu-chi/so-sanh?a={version.id}&b={version.id}").status_code == 404
    assert browser.post(f"/tieu-chi/{version.id}/sao-chep", {"name": "Lấy"}).status_code == 404
    assert browser.post(f"/tieu-chi/{version.id}/xoa", {"version": "1"}).status_code == 404
    assert f'data-version-id="{version.id}"' not in page(browser.get("/tieu-chi/"))
    assert versions_count()[0] == 1


def test_download_gives_the_workbook_with_the_vietnamese_name(world, browser):
    version = load_sample_version(world.district_id)
    browser.login(world.appraiser)
    response = browser.get(f"/tieu-chi/{version.id}/tai-ve")
    assert response.status_code == 200
    assert "filename*=UTF-8''B%E1%BB%99%20ti%C3%AAu%20ch%C3%AD%20m%E1%BA%ABu" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["TieuChi", "XepLoai", "DieuKien"] and book["TieuChi"].max_row == 85


def test_copy_from_the_page_creates_a_draft_based_on_the_version(world, browser):
    version = load_sample_version(world.district_id)
    add_campaign(world, version.id)
    browser.login(world.secretariat)
    response = browser.post(f"/tieu-chi/{version.id}/sao-chep", {"name": "Bộ tiêu chí năm 2027"})
    assert response.status_code == 302
    copy = db.session.execute(select(CriteriaVersion).where(CriteriaVersion.based_on_id == version.id)).scalar_one()
    body = page(browser.get(response.headers["Location"]))
    assert "Đã tạo phiên bản mới «Bộ tiêu chí năm 2027»" in body and "Bản nháp" in body
    assert f'href="/tieu-chi/so-sanh?a={version.id}&amp;b={copy.id}"' in body


def test_compare_page_shows_a_changed_maximum(world, browser):
    old = make_version(world.district_id, name="Bộ cũ")
    new = make_version(
        world.district_id,
        name="Bộ mới",
        leaves={"1.1": "5", "1.2": {"max": "2", "method": "co_khong"}, "2.1": "4", "3.1": "1"},
    )
    browser.login(world.leadership)
    body = page(browser.get(f"/tieu-chi/so-sanh?a={old.id}&b={new.id}"))
    assert re.search(
        r'<tr data-code="1.1">.*?<td>Điểm tối đa</td><td class="diff-old">4,00</td><td class="diff-new">5,00</td>',
        body,
        re.S,
    )
    assert "Tiêu chí thêm mới (2)" in body and "<strong>3.1</strong>" in body
    assert 'Tổng điểm: <span class="diff-old">10,00</span> → <span class="diff-new">12,00</span>' in body


def test_a_locked_version_cannot_be_edited_or_reimported_from_the_screens(world, browser):
    version = make_version(world.district_id)
    add_campaign(world, version.id)
    node = version.nodes[1]
    browser.login(world.secretariat)
    assert browser.get(f"/tieu-chi/{version.id}/nhap-lai").status_code == 409
    response = browser.post(
        f"/tieu-chi/{version.id}/muc/{node.id}", {"version": str(version.version), "name": "Đổi", "guidance": ""}
    )
    assert response.status_code == 409
    assert "đang được kỳ đánh giá sử dụng nên đã khoá" in page(response)
    assert browser.post(f"/tieu-chi/{version.id}/xoa", {"version": str(version.version)}).status_code == 409
    db.session.expire_all()
    assert db.session.get(CriteriaNode, node.id).name == "Tiêu chí 1.1"


def test_two_people_editing_the_same_item_the_second_is_told(world, make_browser):
    version = make_version(world.district_id)
    node = version.nodes[1]
    first, second = make_browser(), make_browser()
    first.login(world.secretariat)
    second.login(world.admin)
    seen = str(version.version)
    url = f"/tieu-chi/{version.id}/muc/{node.id}"
    assert first.post(url, {"version": seen, "name": "Tên của người thứ nhất", "guidance": "A"}).status_code == 302
    response = second.post(url, {"version": seen, "name": "Tên của người thứ hai", "guidance": "B"})
    assert response.status_code == 409
    assert "vừa được người khác thay đổi" in page(response)
    db.session.expire_all()
    assert db.session.get(CriteriaNode, node.id).name == "Tên của người thứ nhất"


def test_reimport_over_a_draft_from_the_screen(world, browser):
    version = make_version(world.district_id)
    browser.login(world.secretariat)
    assert browser.get(f"/tieu-chi/{version.id}/nhap-lai").status_code == 200
    response = upload(browser, f"/tieu-chi/{version.id}/nhap-lai", workbook(), name="Bộ đã sửa")
    assert response.status_code == 302
    db.session.expire_all()
    replaced = db.session.get(CriteriaVersion, version.id)
    assert replaced.name == "Bộ đã sửa" and [n.code for n in replaced.nodes] == [
        "1",
        "1.1",
        "1.2",
        "2",
        "2.1",
        "T",
        "T.1",
    ]


def test_the_secretariat_can_load_each_sample_from_an_empty_list(world, browser):
    browser.login(world.secretariat)
    listing = page(browser.get("/tieu-chi/"))
    assert "Nạp bộ tiêu chí mẫu khối xã" in listing and "Nạp bộ tiêu chí mẫu khối cơ quan" in listing
    response = browser.post("/tieu-chi/mau")
    assert response.status_code == 302
    version = db.session.execute(select(CriteriaVersion)).scalar_one()
    assert version.is_sample and version.authority_id == world.district_id and version.max_total == 100
    listing = page(browser.get("/tieu-chi/"))
    assert "Nạp bộ tiêu chí mẫu khối xã" not in listing and "Nạp bộ tiêu chí mẫu khối cơ quan" in listing
    assert browser.post("/tieu-chi/mau", {"kind": "co_quan"}).status_code == 302
    agencies = db.session.execute(select(CriteriaVersion).order_by(CriteriaVersion.id.desc())).scalars().first()
    assert agencies.is_sample and agencies.max_total == 90 and "khối cơ quan" in agencies.name
    assert "Nạp bộ tiêu chí mẫu" not in page(browser.get("/tieu-chi/"))
    assert browser.post("/tieu-chi/mau", {"kind": "khac"}).status_code == 400


def test_the_tree_page_has_no_inline_script_or_style(world, browser):
    version = load_sample_version(world.district_id)
    browser.login(world.secretariat)
    body = page(browser.get(f"/tieu-chi/{version.id}"))
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert '<link rel="stylesheet" href="/tieu-chi/static/criteria.css">' in body
    assert browser.get("/tieu-chi/static/criteria.css").status_code == 200
