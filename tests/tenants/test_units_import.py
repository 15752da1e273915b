"""`dvcq units import`: hand-made workbooks and CSV files, accepted whole or rejected whole with every problem listed
(row, column, what, in Vietnamese), idempotent, audited."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.imports import import_units_file
from dvcq.tenants.models import UnitGroup, UnitKind, UnitLineage
from tests.tenants.helpers import HEADER, audit_actions, snapshot, unit, write_csv, write_xlsx

FULL = [*HEADER, "Ngày hiệu lực", "Ngày hết hiệu lực", "Mã đơn vị tiền thân"]


def run_import(runner, path):
    return runner.invoke(args=["dvcq", "units", "import", str(path)])


def assert_rejected(runner, path, *expected: str) -> str:
    """Exit 1, every expected line in the output, and not a single value changed anywhere."""
    before = snapshot()
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "chưa nhập dòng nào" in result.output or "Lỗi:" in result.output
    for text in expected:
        assert text in result.output, f"{text!r} not in:\n{result.output}"
    assert snapshot() == before
    return result.output


# ---- a good file ------------------------------------------------------------------------------------------------


def test_import_builds_the_tree_with_groups_dates_lineage_and_one_audit_record_per_unit(app, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "Danh sách đơn vị.xlsx",
        [
            FULL,
            ["QN", "Tỉnh Quảng Ngãi", "tỉnh", "", "", "", "", ""],
            ["BT", "Huyện Ba Tơ", "huyện", "QN", "", datetime(2020, 1, 1), "30/06/2025", ""],
            ["BT-BDO", "Xã Ba Động", "xã", "BT", "Khối xã", "01/01/2020", "30/06/2025", ""],
            ["BT-BCU", "Xã Ba Cung", "Xã", "BT", "Khối xã", "01/01/2020", "30/06/2025", ""],
            ["BT-TT", "Thị trấn Ba Tơ", "thị trấn", "BT", "Khối xã", "", "", ""],
            ["BT-VP", "Văn phòng HĐND và UBND huyện", "cơ quan", "BT", "Khối cơ quan", "", "", ""],
            ["QN-BTO", "Xã Ba Tơ", "xã", "QN", "Khối xã", "01/07/2025", "", "BT-BDO; BT-BCU"],
            ["QN-LS", "Đặc khu Lý Sơn", "đặc khu", "QN", "Khối xã", "01/07/2025", "", ""],
        ],
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Đã nhập 8 đơn vị mới, cập nhật 0 đơn vị, 0 đơn vị không thay đổi." in result.output

    qn, bt, bdo, tt, vp, bto, ls = (unit(c) for c in ("QN", "BT", "BT-BDO", "BT-TT", "BT-VP", "QN-BTO", "QN-LS"))
    assert (qn.kind, qn.parent_id, qn.authority_id) == (UnitKind.TINH, None, qn.id)
    assert (bt.kind, bt.parent_id, bt.authority_id) == (UnitKind.HUYEN, qn.id, bt.id)
    assert (bt.valid_from, bt.valid_to) == (date(2020, 1, 1), date(2025, 6, 30))
    assert (bdo.kind, bdo.parent_id, bdo.authority_id, bdo.group.name) == (UnitKind.XA, bt.id, bt.id, "Khối xã")
    assert (tt.kind, tt.group_id) == (UnitKind.THI_TRAN, bdo.group_id)
    assert (vp.kind, vp.group.name) == (UnitKind.CO_QUAN, "Khối cơ quan")
    assert (ls.kind, ls.authority_id) == (UnitKind.DAC_KHU, qn.id)
    # the province's own "Khối xã" is not the district's
    assert bto.authority_id == qn.id and bto.group.name == "Khối xã" and bto.group_id != bdo.group_id
    assert tt.valid_from is None and tt.valid_to is None

    links = db.session.execute(select(UnitLineage).where(UnitLineage.successor_id == bto.id)).scalars().all()
    assert {link.predecessor.code for link in links} == {"BT-BDO", "BT-BCU"}
    assert {link.effective_on for link in links} == {date(2025, 7, 1)}

    created = audit_actions("unit.created")
    assert len(created) == 8
    first = json.loads(created[0].after)
    assert first["code"] == "QN" and first["name"] == "Tỉnh Quảng Ngãi" and first["kind"] == "tinh"
    assert "Danh sách đơn vị.xlsx" in created[0].reason
    assert {r.target_id for r in created} == {str(u.id) for u in (qn, bt, bdo, tt, vp, bto, ls)} | {
        str(unit("BT-BCU").id)
    }


def test_csv_headers_in_any_case_accents_and_spacing_are_accepted(world, runner, tmp_path):
    path = write_csv(
        tmp_path / "don-vi.csv",
        [
            ["MÃ ĐƠN VỊ", "ten don vi", "  Loại ", "MA DON VI CAP TREN", "khoi"],
            ["E", "Xã Mới Lập", "XÃ", "D", "khối xã"],
            ["G", "Phường Ghềnh Ráng", "phuong", "D", "Khối xã"],
        ],
        delimiter=";",
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    e, g = unit("E"), unit("G")
    assert e.name == "Xã Mới Lập" and g.kind == UnitKind.PHUONG
    # "khối xã" is the district's existing "Khối xã", not a new group
    assert e.group_id == g.group_id == world.group_communes_id
    assert e.authority_id == world.district_id


def test_xlsx_headers_without_accents_or_in_capitals_are_accepted(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [[" ma  don vi ", "TÊN ĐƠN VỊ", "loai", "Mã Đơn Vị Cấp Trên", "KHỐI"], ["E", "Xã Ê", "xã", "D", "Khối xã"]],
        sheet="Trang tính 1",
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert unit("E").group_id == world.group_communes_id


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_excel_numbers(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [HEADER, ["E", "Xã Mới", "xã", "D", "Khối xã"], ["G", "", "xã", "D", "Khối xã"]],
        above=[["DANH SÁCH ĐƠN VỊ HUYỆN THỬ NGHIỆM"], []],
    )
    assert_rejected(runner, path, "Dòng 5, cột «Tên đơn vị»: thiếu tên đơn vị")


# ---- bad files: every problem listed, nothing changed ----------------------------------------------------------


def test_import_with_unknown_parent_lists_the_row_and_changes_nothing(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [HEADER, ["E", "Xã Hợp Lệ", "xã", "D", "Khối xã"], ["G", "Xã Mồ Côi", "xã", "KHONG-CO", "Khối xã"]],
    )
    out = assert_rejected(
        runner,
        path,
        "Tệp đơn vị có 1 lỗi; chưa nhập dòng nào",
        "Dòng 3, cột «Mã đơn vị cấp trên»: không có đơn vị cấp trên mã «KHONG-CO»",
    )
    assert unit("E") is None  # the good row was not imported either
    assert "Dòng 2" not in out


def test_import_with_a_duplicate_code_names_both_rows_and_changes_nothing(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [
            HEADER,
            ["E", "Xã Thứ Nhất", "xã", "D", "Khối xã"],
            ["G", "Xã Khác", "xã", "D", "Khối xã"],
            ["E", "Xã Thứ Hai", "xã", "D", "Khối xã"],
        ],
    )
    assert_rejected(runner, path, "Dòng 4, cột «Mã đơn vị»: mã «E» trùng với dòng 2")


def test_import_with_a_cycle_in_the_tree_is_refused(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [
            HEADER,
            ["H1", "Huyện Vòng Một", "huyện", "H2", ""],
            ["H2", "Huyện Vòng Hai", "huyện", "H1", ""],
        ],
    )
    assert_rejected(
        runner,
        path,
        "Dòng 2, cột «Mã đơn vị cấp trên»: vòng lặp trong cây đơn vị: H1 → H2 → H1",
        "Dòng 3, cột «Mã đơn vị cấp trên»: vòng lặp trong cây đơn vị: H2 → H1 → H2",
    )


def test_a_cycle_through_an_existing_unit_is_refused(world, runner, tmp_path):
    # D is under P today; making P a child of D closes a loop P → D → P
    path = write_xlsx(tmp_path / "donvi.xlsx", [HEADER, ["P", "Tỉnh Thử Nghiệm", "tỉnh", "D", ""]])
    assert_rejected(runner, path, "vòng lặp trong cây đơn vị: P → D → P", "tỉnh không có đơn vị cấp trên")


def test_import_with_a_missing_column_names_the_column_and_changes_nothing(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"], ["E", "Xã Mới", "xã", "D"]],
    )
    assert_rejected(runner, path, "Dòng 1, cột «Khối»: thiếu cột bắt buộc")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("donvi.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "là tệp PDF, không phải bảng tính"),
        ("donvi.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "là tệp PDF, không phải bảng tính"),
        ("donvi.xlsx", "Mã đơn vị,Tên đơn vị\nE,Xã Mới\n".encode(), "không phải bảng tính Excel (.xlsx) hợp lệ"),
        ("donvi.txt", "Mã đơn vị,Tên đơn vị\nE,Xã Mới\n".encode(), "chỉ nhận bảng tính .xlsx hoặc .csv"),
        ("donvi.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "lưu lại dưới dạng .xlsx"),
        ("donvi.csv", b"PK\x03\x04" + b"\x00" * 64, "không phải tệp văn bản .csv"),
        ("donvi.csv", b"", "rỗng"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(world, runner, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    out = assert_rejected(runner, path, message)
    assert "Traceback" not in out


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_csv_not_saved_as_utf8_is_refused_with_a_message(world, runner, tmp_path, encoding):
    path = tmp_path / "donvi.csv"
    path.write_bytes("Ma don vi,Ten don vi,Loai,Ma don vi cap tren,Khoi\nE,Xã Mái,xa,D,Khoi xa\n".encode(encoding))
    assert_rejected(runner, path, "UTF-8")


def test_a_missing_file_is_named(world, runner, tmp_path):
    assert_rejected(runner, tmp_path / "khong-co.xlsx", "Không tìm thấy tệp")


def test_import_with_an_unknown_kind_lists_the_allowed_kinds(world, runner, tmp_path):
    path = write_xlsx(tmp_path / "donvi.xlsx", [HEADER, ["E", "Quận Một", "quận", "D", "Khối xã"]])
    assert_rejected(
        runner,
        path,
        "Dòng 2, cột «Loại»: loại «quận» không hợp lệ (chọn một trong: tỉnh, huyện, xã, phường, thị trấn, đặc khu, "
        "cơ quan)",
    )


def test_import_with_an_empty_name_or_kind_is_refused(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [HEADER, ["E", "   ", "xã", "D", "Khối xã"], ["G", "Xã Không Loại", "", "D", "Khối xã"]],
    )
    assert_rejected(
        runner,
        path,
        "Dòng 2, cột «Tên đơn vị»: thiếu tên đơn vị",
        "Dòng 3, cột «Loại»: thiếu loại đơn vị",
    )


def test_every_bad_row_is_listed_at_once(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [
            FULL,
            ["", "Xã Không Mã", "xã", "D", "Khối xã", "", "", ""],
            ["E", "Xã Sai Loại", "làng", "D", "Khối xã", "", "", ""],
            ["G", "Xã Sai Ngày", "xã", "D", "Khối xã", "31/02/2024", "", ""],
            ["H", "Xã Không Khối", "xã", "D", "", "", "", ""],
            ["I", "Xã Dưới Xã", "xã", "A", "Khối xã", "", "", ""],
            ["J", "Xã Sáp Nhập", "xã", "D", "Khối xã", "", "", "A, KHONG-CO"],
            ["K", "Xã Ngược Ngày", "xã", "D", "Khối xã", "01/07/2025", "30/06/2025", ""],
            ["L", "Huyện Có Khối", "huyện", "P", "Khối xã", "", "", ""],
        ],
    )
    out = assert_rejected(
        runner,
        path,
        "Dòng 2, cột «Mã đơn vị»: thiếu mã đơn vị",
        "Dòng 3, cột «Loại»: loại «làng» không hợp lệ",
        "Dòng 4, cột «Ngày hiệu lực»: «31/02/2024» không phải ngày có thật: tháng 2 năm 2024 có 29 ngày",
        "Dòng 5, cột «Khối»: đơn vị được đánh giá phải thuộc một khối",
        "Dòng 6, cột «Mã đơn vị cấp trên»: cấp trên của xã phải là huyện hoặc tỉnh («A» là xã)",
        "Dòng 7, cột «Mã đơn vị tiền thân»: không có đơn vị tiền thân mã «KHONG-CO»",
        "Dòng 7, cột «Ngày hiệu lực»: có đơn vị tiền thân nên cần ngày hiệu lực",
        "Dòng 8, cột «Ngày hết hiệu lực»: ngày hết hiệu lực trước ngày hiệu lực",
        "Dòng 9, cột «Khối»: huyện là cơ quan đánh giá, không thuộc khối nào",
    )
    assert "Tệp đơn vị có 9 lỗi" in out


def test_a_unit_with_children_cannot_become_a_commune(world, runner, tmp_path):
    path = write_xlsx(tmp_path / "donvi.xlsx", [HEADER, ["D", "Huyện Thử Nghiệm", "xã", "P", "Khối xã"]])
    assert_rejected(runner, path, "«D» đang có đơn vị trực thuộc")


def test_the_service_raises_with_the_same_problems(world, tmp_path):
    path = write_xlsx(tmp_path / "donvi.xlsx", [HEADER, ["E", "Xã Mới", "xã", "KHONG-CO", "Khối xã"]])
    with scoped(SYSTEM), pytest.raises(ServiceError) as err:
        import_units_file(path, actor=None)
    assert err.value.problems == [
        "Dòng 2, cột «Mã đơn vị cấp trên»: không có đơn vị cấp trên mã «KHONG-CO» trong tệp hay trong hệ thống"
    ]


# ---- re-import and edits ----------------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(world, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [
            FULL,
            ["A", "Xã An Bình", "xã", "D", "Khối xã", "01/01/2020", "30/06/2025", ""],
            ["E", "Xã Mới", "xã", "D", "Khối xã", "01/07/2025", "", "A"],
        ],
    )
    first = run_import(runner, path)
    assert first.exit_code == 0, first.output
    assert "Đã nhập 1 đơn vị mới, cập nhật 1 đơn vị" in first.output
    before = snapshot()
    again = run_import(runner, path)
    assert again.exit_code == 0, again.output
    assert "Đã nhập 0 đơn vị mới, cập nhật 0 đơn vị, 2 đơn vị không thay đổi." in again.output
    assert snapshot() == before  # no version bump, no new lineage, no audit record


def test_an_edited_name_updates_the_unit_and_is_audited_with_before_and_after(world, runner, tmp_path):
    a_before = unit("A")
    version = a_before.version
    path = write_csv(tmp_path / "donvi.csv", [HEADER, ["A", "Xã An Bình Mới", "xã", "D", "Khối xã"]])
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "cập nhật 1 đơn vị" in result.output
    a = unit("A")
    assert a.name == "Xã An Bình Mới" and a.version == version + 1
    assert a.valid_from == date(2020, 1, 1)  # the file has no date columns: dates are kept
    (record,) = audit_actions("unit.updated")
    assert json.loads(record.before) == {"name": "Xã An Bình"}
    assert json.loads(record.after) == {"name": "Xã An Bình Mới"}
    assert record.unit_id == a.id and record.target_id == str(a.id)


def test_moving_a_commune_to_another_group_updates_it(world, runner, tmp_path):
    path = write_xlsx(tmp_path / "donvi.xlsx", [HEADER, ["A", "Xã An Bình", "xã", "D", "Khối cơ quan"]])
    assert run_import(runner, path).exit_code == 0
    assert unit("A").group_id == world.group_agencies_id
    assert db.session.get(UnitGroup, world.group_agencies_id).name == "Khối cơ quan"


def test_a_unit_created_by_someone_else_during_the_import_aborts_it_whole(world, runner, tmp_path, monkeypatch):
    from sqlalchemy import create_engine, insert

    from dvcq.tenants import imports
    from dvcq.tenants.models import Unit

    checked = imports._check

    def check_then_someone_else_writes(*args, **kwargs):
        checked(*args, **kwargs)
        other = create_engine(db.engine.url)
        with other.begin() as conn:
            conn.execute(
                insert(Unit.__table__).values(
                    code="E", name="Xã Của Người Khác", kind="xa", version=1, parent_id=world.district_id
                )
            )
        other.dispose()

    monkeypatch.setattr(imports, "_check", check_then_someone_else_writes)
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [HEADER, ["A", "Xã An Bình Sửa", "xã", "D", "Khối xã"], ["E", "Xã E", "xã", "D", "Khối xã"]],
    )
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "vừa được thay đổi đồng thời" in result.output and "chưa nhập dòng nào" in result.output
    assert unit("A").name == "Xã An Bình" and unit("E").name == "Xã Của Người Khác"
    assert audit_actions("unit.") == []
