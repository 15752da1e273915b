"""The administrator's units screens: the tree, view and edit with optimistic locking, lineage, the upload of a
Units file; every other role is refused and another district's administrator sees nothing of this district."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants import services
from dvcq.tenants.models import Unit, UnitLineage
from tests.tenants.helpers import HEADER, audit_actions, snapshot, unit, without_csrf

OTHER_ROLES = ["officer_a", "leader_a", "appraiser", "secretariat", "leadership"]


def admin_routes(world) -> list[tuple[str, str]]:
    return [
        ("GET", "/quan-tri/don-vi"),
        ("GET", f"/quan-tri/don-vi/{world.a_id}"),
        ("POST", f"/quan-tri/don-vi/{world.a_id}"),
        ("POST", "/quan-tri/don-vi/nhap"),
        ("GET", "/quan-tri/tai-khoan"),
        ("GET", "/quan-tri/tai-khoan/moi"),
        ("POST", "/quan-tri/tai-khoan/moi"),
        ("POST", f"/quan-tri/tai-khoan/{world.ids['officer_b']}/dat-lai-mat-khau"),
        ("POST", f"/quan-tri/tai-khoan/{world.ids['officer_b']}/trang-thai"),
    ]


def xlsx_bytes(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(browser, name: str, content: bytes, **kwargs):
    return browser.post(
        "/quan-tri/don-vi/nhap",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        **kwargs,
    )


def codes_on(page: str) -> list[str]:
    return re.findall(r'<tr class="depth-\d" data-code="([^"]+)"', page)


def edit_form(world, **changes) -> dict:
    a = db.session.get(Unit, world.a_id)
    data = {
        "version": str(a.version),
        "name": a.name,
        "group": a.group.name,
        "valid_from": "01/01/2020",
        "valid_to": "",
    }
    data.update(changes)
    return data


# ---- who may enter ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_gets_403_on_every_admin_route(world, make_browser, role):
    browser = make_browser()
    browser.login(getattr(world, role))
    before = snapshot()
    for method, url in admin_routes(world):
        response = browser.get(url) if method == "GET" else browser.post(url, {"name": "Bị đổi", "active": "0"})
        assert response.status_code == 403, (role, method, url)
        assert "Không có quyền" in response.get_data(as_text=True)
    assert snapshot()["units"] == before["units"]


def test_anonymous_visitors_are_sent_to_the_login_page(world, browser):
    for method, url in admin_routes(world):
        response = browser.get(url) if method == "GET" else browser.client.post(url)
        if method == "GET":
            assert response.status_code == 302, url
            assert "/dang-nhap" in response.headers["Location"]
        else:
            assert response.status_code in (302, 400), url  # no session → no CSRF token → refused either way


# ---- the tree ---------------------------------------------------------------------------------------------------


def test_units_page_lists_the_district_in_tree_order_with_groups_and_validity(world, logged_in_admin):
    with scoped(SYSTEM):
        b = db.session.get(Unit, world.b_id)
        b.valid_to = date(2025, 6, 30)
        db.session.commit()
    response = logged_in_admin.get("/quan-tri/don-vi")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # the district, then its communes (Khối xã, position 0), then its agencies; nothing of P, D2 or F
    assert codes_on(page) == ["D", "A", "B", "C"]
    assert '<tr class="depth-0" data-code="D">' in page and '<tr class="depth-1" data-code="A">' in page
    assert "Huyện Thử Nghiệm" in page and "Xã Bình Đông" in page and "Phòng Nội vụ" in page
    assert "Xã Xa Xôi" not in page and "Huyện Khác" not in page
    assert "Khối xã" in page and "Khối cơ quan" in page
    assert "01/01/2020 – 30/06/2025" in page and "Hết hiệu lực" in page and "từ 01/01/2020" in page
    # works on a phone: viewport, the table scrolls inside .table-wrap, and the upload form is there
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<div class="table-wrap"><table class="tree"' in page
    assert 'enctype="multipart/form-data"' in page and "Nhập danh sách đơn vị từ tệp" in page
    assert "style=" not in page  # the CSP forbids inline styles: the tree is indented by class


def test_unit_page_shows_the_details_in_vietnamese(world, logged_in_admin):
    page = logged_in_admin.get(f"/quan-tri/don-vi/{world.district_id}").get_data(as_text=True)
    assert "<h1>Huyện Thử Nghiệm</h1>" in page
    for text in (
        "Mã đơn vị",
        "Đơn vị cấp trên",
        "Tỉnh Thử Nghiệm (P)",
        "Lịch sử sắp xếp đơn vị",
        "Đơn vị trực thuộc (3)",
    ):
        assert text in page, text
    assert "Tài khoản tại đơn vị" in page and "thamdinh" in page
    assert 'name="group" value=""' in page  # an authority has no group to edit
    assert page.count('class="table-wrap"') == 2


def test_lineage_is_shown_on_the_merged_and_the_new_unit(world, logged_in_admin):
    with scoped(SYSTEM):
        e = Unit(code="E", name="Xã An Bình Đông", kind=Unit.kind.type.enum_class.XA, parent_id=world.district_id)
        db.session.add(e)
        db.session.flush()
        e.authority_id, e.group_id = world.district_id, world.group_communes_id
        for pred in (world.a_id, world.b_id):
            db.session.add(UnitLineage(predecessor_id=pred, successor_id=e.id, effective_on=date(2025, 7, 1)))
        db.session.commit()
        e_id = e.id
    new_page = logged_in_admin.get(f"/quan-tri/don-vi/{e_id}").get_data(as_text=True)
    assert "Hình thành từ" in new_page and "Xã An Bình</a> (A), hiệu lực 01/07/2025" in new_page
    assert "Xã Bình Đông</a> (B)" in new_page
    old_page = logged_in_admin.get(f"/quan-tri/don-vi/{world.a_id}").get_data(as_text=True)
    assert "Đã sáp nhập vào" in old_page and "Xã An Bình Đông</a> (E), hiệu lực 01/07/2025" in old_page


# ---- editing ----------------------------------------------------------------------------------------------------


def test_admin_edits_name_group_and_validity_and_the_change_is_audited(world, logged_in_admin):
    response = logged_in_admin.post(
        f"/quan-tri/don-vi/{world.a_id}",
        edit_form(world, name="Xã An Bình Mới", group="khối cơ quan", valid_to="30/06/2025"),
    )
    assert response.status_code == 302
    a = unit("A")
    assert a.name == "Xã An Bình Mới" and a.group_id == world.group_agencies_id and a.valid_to == date(2025, 6, 30)
    (record,) = audit_actions("unit.updated")
    assert record.actor_login == world.admin
    page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu thông tin đơn vị." in page


def test_a_stale_edit_form_answers_409_and_overwrites_nothing(world, make_browser):
    first, second = make_browser(), make_browser()
    first.login(world.admin)
    second.login(world.admin)
    stale = edit_form(world, name="Xã Của Người Thứ Nhất")
    fresh = edit_form(world, name="Xã Của Người Thứ Hai")
    assert second.post(f"/quan-tri/don-vi/{world.a_id}", fresh).status_code == 302
    response = first.post(f"/quan-tri/don-vi/{world.a_id}", stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Đơn vị vừa được người khác sửa" in page and "chưa được lưu" in page
    assert unit("A").name == "Xã Của Người Thứ Hai"
    # the form now carries the saved values and version; what the user typed is shown beside it
    assert 'value="Xã Của Người Thứ Hai"' in page
    assert f'name="version" type="hidden" value="{unit("A").version}"' in page
    assert "Thay đổi bạn đã nhập (chưa được lưu)" in page and "Xã Của Người Thứ Nhất" in page
    assert len(audit_actions("unit.updated")) == 1


def test_a_form_with_a_tampered_version_is_stale(world, logged_in_admin):
    response = logged_in_admin.post(f"/quan-tri/don-vi/{world.a_id}", edit_form(world, version="abc", name="Xã X"))
    assert response.status_code == 409
    assert unit("A").name == "Xã An Bình"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "Tên đơn vị không được để trống."),
        ({"valid_from": "32/13/2024"}, "«32/13/2024» không phải ngày hợp lệ (dd/mm/yyyy)."),
        ({"valid_from": "01/07/2025", "valid_to": "30/06/2025"}, "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
        ({"group": ""}, "Đơn vị được đánh giá phải thuộc một khối"),
    ],
)
def test_a_bad_edit_is_refused_with_a_vietnamese_message_and_changes_nothing(world, logged_in_admin, changes, message):
    before = snapshot()
    response = logged_in_admin.post(f"/quan-tri/don-vi/{world.a_id}", edit_form(world, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


# ---- another district -------------------------------------------------------------------------------------------


def test_another_districts_admin_gets_404_identical_to_a_missing_unit(world, admin_d2, browser):
    browser.login(admin_d2)
    foreign = browser.get(f"/quan-tri/don-vi/{world.a_id}")
    missing = browser.get("/quan-tri/don-vi/987654")
    assert foreign.status_code == missing.status_code == 404
    assert without_csrf(foreign.get_data()) == without_csrf(missing.get_data())
    before = snapshot()
    edit = browser.post(f"/quan-tri/don-vi/{world.a_id}", {"version": "1", "name": "Chiếm", "group": "Khối xã"})
    edit_missing = browser.post("/quan-tri/don-vi/987654", {"version": "1", "name": "Chiếm", "group": "Khối xã"})
    assert edit.status_code == edit_missing.status_code == 404
    assert without_csrf(edit.get_data()) == without_csrf(edit_missing.get_data())
    assert snapshot() == before
    page = browser.get("/quan-tri/don-vi").get_data(as_text=True)
    assert codes_on(page) == ["D2", "F"]
    assert "Xã An Bình" not in page


def test_the_service_refuses_another_districts_unit_too(world, admin_d2):
    from dvcq.platform.errors import NotFound

    with scoped(SYSTEM):
        actor = db.session.execute(select(services.User).where(services.User.login == admin_d2)).scalar_one()
        with pytest.raises(NotFound):
            services.update_unit(
                actor=actor,
                unit_id=world.a_id,
                version=1,
                name="Chiếm",
                group_name="Khối xã",
                valid_from=None,
                valid_to=None,
            )
    assert unit("A").name == "Xã An Bình"


# ---- upload -----------------------------------------------------------------------------------------------------


def test_admin_uploads_a_units_workbook_and_sees_the_result(world, logged_in_admin):
    content = xlsx_bytes(
        [
            [*HEADER, "Ngày hiệu lực", "Mã đơn vị tiền thân"],
            ["E", "Xã Ê Đê", "xã", "D", "Khối xã", "01/07/2025", "A"],
            ["A", "Xã An Bình", "xã", "D", "Khối xã", "", ""],
        ]
    )
    response = upload(logged_in_admin, "Đơn vị huyện.xlsx", content, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tệp «Đơn vị huyện.xlsx»: Đã nhập 1 đơn vị mới, cập nhật 1 đơn vị, 0 đơn vị không thay đổi." in page
    assert codes_on(page) == ["D", "A", "B", "E", "C"]
    e = unit("E")
    assert e.authority_id == world.district_id and e.group_id == world.group_communes_id
    created = audit_actions("unit.created")
    assert [(r.action, r.actor_login) for r in created] == [("unit.created", world.admin)]
    assert unit("A").valid_from is None  # the file has the date column and left it empty


def test_an_uploaded_file_with_problems_lists_them_on_the_page_and_changes_nothing(world, logged_in_admin):
    before = snapshot()
    content = xlsx_bytes(
        [
            HEADER,
            ["E", "Xã Mới", "xã", "KHONG-CO", "Khối xã"],
            ["E", "Xã Trùng", "xã", "D", "Khối xã"],
            ["G", "", "phố", "D", "Khối xã"],
        ]
    )
    response = upload(logged_in_admin, "donvi.xlsx", content)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tệp đơn vị có 4 lỗi; chưa nhập dòng nào." in page
    for text in (
        "Dòng 2, cột «Mã đơn vị cấp trên»: không có đơn vị cấp trên mã «KHONG-CO»",
        "Dòng 3, cột «Mã đơn vị»: mã «E» trùng với dòng 2",
        "Dòng 4, cột «Tên đơn vị»: thiếu tên đơn vị",
        "Dòng 4, cột «Loại»: loại «phố» không hợp lệ",
    ):
        assert text in page, text
    assert codes_on(page) == ["D", "A", "B", "C"]  # the tree is still shown under the problems
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", b"%PDF-1.5\n1 0 obj\n", "là tệp PDF, không phải bảng tính"),
        ("donvi.xlsx", b"day la van ban thuong\n", "không phải bảng tính Excel (.xlsx) hợp lệ"),
        ("ghi-chu.txt", b"ma don vi\n", "chỉ nhận bảng tính .xlsx hoặc .csv"),
    ],
)
def test_uploading_something_that_is_not_a_spreadsheet_says_so(world, logged_in_admin, name, content, message):
    before = snapshot()
    response = upload(logged_in_admin, name, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_uploading_without_a_file_asks_for_one(world, logged_in_admin):
    response = logged_in_admin.post("/quan-tri/don-vi/nhap", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Vui lòng chọn tệp để nhập." in response.get_data(as_text=True)


def test_an_admin_cannot_import_into_another_district_or_above_their_own(world, admin_d2, logged_in_admin):
    before = snapshot()
    content = xlsx_bytes(
        [
            [*HEADER, "Ngày hiệu lực", "Mã đơn vị tiền thân"],
            ["F", "Xã Xa Xôi Bị Chiếm", "xã", "D", "Khối xã"],  # a commune of D2
            ["E", "Xã Mới Của D2", "xã", "D2", "Khối xã"],  # under another district
            ["H", "Huyện Mới", "huyện", "P", ""],  # a new district under the province
            ["P", "Tỉnh Đổi Tên", "tỉnh", "", ""],  # the province above
            ["D", "Huyện Thử Nghiệm", "huyện", "", ""],  # its own district: an empty parent keeps it in place
            ["A", "Xã An Bình", "xã", "D", "Khối xã", "01/07/2025", "F"],  # a predecessor from D2
        ]
    )
    response = upload(logged_in_admin, "donvi.xlsx", content)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for text in (
        "Dòng 2, cột «Mã đơn vị»: mã «F» đã được dùng cho một đơn vị ngoài phạm vi quản lý của bạn",
        "Dòng 3, cột «Mã đơn vị cấp trên»: không có đơn vị cấp trên mã «D2»",
        "Dòng 4, cột «Mã đơn vị cấp trên»: không có đơn vị cấp trên mã «P»",
        "Dòng 5, cột «Mã đơn vị»: mã «P» đã được dùng cho một đơn vị ngoài phạm vi quản lý của bạn",
        "Dòng 7, cột «Mã đơn vị tiền thân»: không có đơn vị tiền thân mã «F»",
    ):
        assert text in page, text
    assert "Tệp đơn vị có 5 lỗi" in page and "Dòng 6" not in page
    assert snapshot() == before


def test_an_admin_may_rename_their_own_district_but_not_move_it(world, logged_in_admin):
    moved = upload(logged_in_admin, "donvi.xlsx", xlsx_bytes([HEADER, ["D", "Huyện Thử Nghiệm", "huyện", "D2", ""]]))
    assert moved.status_code == 400
    assert "không thể đổi loại hay cấp trên của «Huyện Thử Nghiệm»" in moved.get_data(as_text=True)
    renamed = upload(
        logged_in_admin, "donvi.xlsx", xlsx_bytes([HEADER, ["D", "Huyện Thử Nghiệm Mới", "huyện", "", ""]])
    )
    assert renamed.status_code == 302
    d = unit("D")
    assert d.name == "Huyện Thử Nghiệm Mới" and d.parent_id == world.province_id
    actions = select(AuditRecord.action).where(AuditRecord.unit_id == d.id, AuditRecord.action.like("unit%"))
    assert db.session.execute(actions).scalars().all() == ["unit.updated"]


def test_a_province_admin_manages_every_district_and_records_the_2025_mergers(world, make_browser):
    from tests import factories

    with scoped(SYSTEM):
        factories.user("quantri.tinh", Role.ADMIN, db.session.get(Unit, world.province_id))
        db.session.commit()
    browser = make_browser()
    browser.login("quantri.tinh")
    # the districts by name: Huyện Khác (D2) before Huyện Thử Nghiệm (D)
    assert codes_on(browser.get("/quan-tri/don-vi").get_data(as_text=True)) == ["P", "D2", "F", "D", "A", "B", "C"]
    content = xlsx_bytes(
        [
            [*HEADER, "Ngày hiệu lực", "Ngày hết hiệu lực", "Mã đơn vị tiền thân"],
            ["A", "Xã An Bình", "xã", "D", "Khối xã", "01/01/2020", "30/06/2025", ""],
            ["B", "Xã Bình Đông", "xã", "D", "Khối xã", "01/01/2020", "30/06/2025", ""],
            ["P-AB", "Xã An Bình Đông", "xã", "P", "Khối xã", "01/07/2025", "", "A, B, F"],
        ]
    )
    response = upload(browser, "sap-nhap-2025.xlsx", content, follow_redirects=True)
    assert "Đã nhập 1 đơn vị mới, cập nhật 2 đơn vị" in response.get_data(as_text=True)
    merged = unit("P-AB")
    assert merged.authority_id == world.province_id and merged.parent_id == world.province_id
    links = db.session.execute(select(UnitLineage).where(UnitLineage.successor_id == merged.id)).scalars().all()
    assert sorted(link.predecessor.code for link in links) == ["A", "B", "F"]
    assert unit("A").valid_to == date(2025, 6, 30)
    page = browser.get(f"/quan-tri/don-vi/{world.a_id}").get_data(as_text=True)
    assert "Đã sáp nhập vào" in page and "Hết hiệu lực" in page
