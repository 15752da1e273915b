"""Importing and exporting criteria versions: the shipped sample, exact round-trips, and hand-made bad workbooks that
are rejected whole with every problem named by sheet, row and column — the database unchanged."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.criteria import exports, imports, services
from dvcq.scoring.engine import build_tree
from dvcq.scoring.models import (
    ClassificationLevel,
    CriteriaNode,
    CriteriaVersion,
    DisqualifyingCondition,
    Method,
    NodeKind,
    VersionStatus,
)
from tests.scoring.criteria_factories import load_sample_version

HEADER = imports.CRITERIA_COLUMNS


def small_criteria() -> list[list]:
    return [
        HEADER,
        ["1", "Lĩnh vực một", "6", None, None, None, None, None],
        ["1.1", "Ban hành kế hoạch", "4", "khoảng", "0,25", "có", "Có kế hoạch: 4 điểm", None],
        ["1.2", "Kiện toàn Ban Chỉ đạo", "2", "có/không", None, "không", None, None],
        ["2", "Lĩnh vực hai", "4", None, None, None, None, None],
        ["2.1", "Công khai thủ tục", "4", "trừ điểm", "0,5", "có", "Mỗi thiếu sót trừ 0,5", "cấp trên chấm"],
        ["T", "Điểm thưởng", "2", None, None, None, None, "thưởng"],
        ["T.1", "Mô hình được khen", "2", "khoảng", "0,5", "có", None, "thưởng"],
    ]


def small_levels() -> list[list]:
    return [["Mức", "Tên", "Điểm từ"], [1, "Xuất sắc", "9"], [2, "Tốt", "7"], [3, "Hoàn thành", "5"], [4, "Không", 0]]


def small_conditions() -> list[list]:
    return [
        ["Mã", "Tên điều kiện", "Hiệu lực", "Mức tối đa"],
        ["DK1", "Lãnh đạo bị kỷ luật", "không xếp loại", None],
        ["DK2", "Nộp muộn", "giới hạn mức", 2],
    ]


def workbook(criteria=None, levels=None, conditions=None, *, drop: tuple[str, ...] = ()) -> bytes:
    """A hand-made workbook; `drop` leaves sheets out."""
    book = Workbook()
    book.remove(book.active)
    sheets = {
        "TieuChi": small_criteria() if criteria is None else criteria,
        "XepLoai": small_levels() if levels is None else levels,
        "DieuKien": small_conditions() if conditions is None else conditions,
    }
    for title, rows in sheets.items():
        if title in drop:
            continue
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts() -> dict[str, int]:
    """Rows of every table an import writes, all authorities' (the system scope: a count with no scope is refused)."""
    db.session.expire_all()
    with scoped(SYSTEM):
        return {
            model.__name__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (CriteriaVersion, CriteriaNode, ClassificationLevel, DisqualifyingCondition, AuditRecord)
        }


def do_import(world, data: bytes, filename: str = "bo_tieu_chi.xlsx", **kwargs) -> CriteriaVersion:
    with scoped(SYSTEM):
        return imports.import_criteria(
            actor=None, authority_id=world.district_id, filename=filename, data=data, **kwargs
        )


def rejected(world, data: bytes, filename: str = "bo_tieu_chi.xlsx") -> list[str]:
    """Import a bad file: it must raise, list its problems, and leave every table as it was."""
    before = counts()
    with pytest.raises(ServiceError) as caught:
        do_import(world, data, filename)
    db.session.rollback()
    assert counts() == before
    return [caught.value.message, *caught.value.problems]


def cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


# ------------------------------------------------------------------ the shipped sample


def test_the_shipped_sample_imports_with_8_areas_49_leaves_and_100_points(world):
    before = counts()
    version = load_sample_version(world.district_id)
    info = services.summary(version)
    assert (info["areas"], info["leaves"], version.max_total) == (8, 49, Decimal("100.00"))
    assert version.is_sample and version.status == VersionStatus.DRAFT
    assert version.name.startswith("Bộ tiêu chí mẫu")
    nodes = {n.code: n for n in version.nodes}
    assert nodes["T"].kind == NodeKind.BONUS and nodes["T"].max_points == Decimal("5.00")
    assert nodes["T.1"].kind == NodeKind.BONUS
    assert nodes["P"].kind == NodeKind.PENALTY and nodes["P"].max_points == Decimal("10.00")
    assert nodes["2.4"].authority_only and nodes["2.4"].is_leaf
    assert nodes["1.1.a"].method == Method.YES_NO and nodes["1.1.a"].step is None
    assert nodes["1.1.a"].max_points == Decimal("1.50") and nodes["1.1.a"].evidence_required
    assert nodes["1.3"].is_leaf and nodes["1.3"].depth == 1 and nodes["1.3"].parent.code == "1"
    assert nodes["1"].max_points == Decimal("14.00") and not nodes["1"].is_leaf and nodes["1"].method is None
    assert [n.position for n in version.nodes] == list(range(1, 85))
    assert [(lv.order, lv.min_points) for lv in version.levels] == [
        (1, Decimal("90.00")),
        (2, Decimal("70.00")),
        (3, Decimal("50.00")),
        (4, Decimal("0.00")),
    ]
    assert [(c.code, c.effect, c.cap_order) for c in version.conditions] == [
        ("DK1", "disqualify", None),
        ("DK2", "cap", 2),
        ("DK3", "cap", 2),
    ]
    after = counts()
    assert after["AuditRecord"] == before["AuditRecord"] + 1
    record = db.session.execute(select(AuditRecord).order_by(AuditRecord.id.desc())).scalars().first()
    assert record.action == "criteria.imported" and record.target_id == str(version.id)


def test_the_sample_feeds_the_results_engine(world):
    version = load_sample_version(world.district_id)
    nodes, rules = services.engine_tree(version)
    tree = build_tree(nodes)
    assert len(tree.normal_areas) == 8
    assert tree.max_total == Decimal("105.00")  # 100 + 5 bonus
    assert [lv.min_points for lv in rules.levels] == [Decimal("90.00"), Decimal("70.00"), Decimal("50.00"), 0]
    assert set(services.engine_conditions(version)) == {"DK1", "DK2", "DK3"}


# ------------------------------------------------------------------ round trips


def test_export_import_export_gives_the_same_cells(world):
    version = load_sample_version(world.district_id)
    first = exports.export_bytes(version)
    again = do_import(world, first, "xuat.xlsx")
    second = exports.export_bytes(again)
    assert cells(first) == cells(second)
    assert services.compare(version, again).same


def test_a_small_workbook_round_trips_bonus_authority_marks_and_conditions(world):
    version = do_import(world, workbook(), name="Bộ nhỏ")
    exported = cells(exports.export_bytes(version))
    assert exported["TieuChi"][0] == tuple(HEADER)
    assert exported["TieuChi"][5] == (
        "2.1",
        "Công khai thủ tục",
        4,
        "trừ điểm",
        0.5,
        "có",
        "Mỗi thiếu sót trừ 0,5",
        "cấp trên chấm",
    )
    assert exported["TieuChi"][3][3:6] == ("có/không", None, "không")
    assert exported["XepLoai"][1:] == [(1, "Xuất sắc", 9), (2, "Tốt", 7), (3, "Hoàn thành", 5), (4, "Không", 0)]
    assert exported["DieuKien"][1:] == [
        ("DK1", "Lãnh đạo bị kỷ luật", "không xếp loại", None),
        ("DK2", "Nộp muộn", "giới hạn mức", 2),
    ]
    again = do_import(world, exports.export_bytes(version))
    assert cells(exports.export_bytes(again)) == exported


def test_the_export_is_excel_friendly(world):
    version = do_import(world, workbook())
    book = load_workbook(io.BytesIO(exports.export_bytes(version)))
    assert book.sheetnames == ["TieuChi", "XepLoai", "DieuKien"]
    ws = book["TieuChi"]
    assert all(cell.font.bold for cell in ws[1])
    assert ws.column_dimensions["B"].width >= 40 and ws.column_dimensions["G"].width >= 40
    assert ws["C3"].data_type == "n" and ws["C3"].number_format == "0.00"
    assert ws["A3"].data_type == "s"  # codes stay text: «1.10» never becomes 1,1


def test_numbers_from_excel_cells_are_exact_and_a_float_never_leaks(world):
    criteria = [
        HEADER,
        ["1", "Lĩnh vực", 0.3, None, None, None, None, None],
        ["1.1", "Một", 0.1, "khoảng", 0.1, "có", None, None],
        ["1.2", "Hai", 0.2, "khoảng", 0.1, "có", None, None],
        ["2", "Lĩnh vực hai", 1.1, "", None, None, None, None],
        ["2.1", "Ba", "1.1", "khoảng", "0,1", "không", None, None],
    ]
    levels = [["Mức", "Tên", "Điểm từ"], [1, "Đạt", 0.7], [2, "Không đạt", 0]]
    version = do_import(world, workbook(criteria, levels, [["Mã", "Tên điều kiện", "Hiệu lực"]]))
    nodes = {n.code: n for n in version.nodes}
    assert nodes["1"].max_points == Decimal("0.30")  # 0.1 + 0.2 in floats is 0.30000000000000004
    assert nodes["2.1"].max_points == Decimal("1.10") and nodes["2.1"].step == Decimal("0.10")
    assert version.max_total == Decimal("1.40")
    assert version.levels[0].min_points == Decimal("0.70")


# ------------------------------------------------------------------ bad workbooks


def _rows_with(change) -> list[list]:
    rows = small_criteria()
    change(rows)
    return rows


def test_a_duplicate_code_names_both_rows(world):
    rows = _rows_with(lambda r: r.insert(4, ["1.1", "Trùng", "1", "khoảng", None, "có", None, None]))
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 5, cột «Mã»: mã «1.1» trùng với dòng 3" in problems


def test_a_parent_whose_points_differ_from_its_children_is_named(world):
    rows = _rows_with(lambda r: r[1].__setitem__(2, "7"))
    problems = rejected(world, workbook(rows))
    assert any(
        p.startswith(
            "Trang «TieuChi» – Dòng 2, cột «Điểm tối đa»: điểm tối đa 7,00 khác tổng điểm tối đa các tiêu "
            "chí thành phần (6,00"
        )
        for p in problems
    ), problems


def test_an_unknown_scoring_method_is_named(world):
    rows = _rows_with(lambda r: r[2].__setitem__(3, "chấm tự do"))
    problems = rejected(world, workbook(rows))
    assert (
        "Trang «TieuChi» – Dòng 3, cột «Cách chấm»: cách chấm «chấm tự do» không hợp lệ (chọn: khoảng, có/không, "
        "trừ điểm)" in problems
    )


def test_a_step_that_does_not_divide_the_maximum_is_named(world):
    rows = _rows_with(lambda r: r[2].__setitem__(4, "0,3"))
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 3, cột «Bước điểm»: bước điểm 0,30 không chia hết điểm tối đa 4,00" in problems


def test_level_numbers_that_contradict_the_thresholds_are_named(world):
    levels = small_levels()
    levels[3][2] = "8"  # «3 Hoàn thành» from 8 points: above «1 Xuất sắc» (9)? above «2 Tốt» (7)?
    problems = rejected(world, workbook(levels=levels))
    assert problems[1:] == [
        "Trang «XepLoai» – Dòng 3, cột «Mức»: mức «2» là số nhưng theo điểm từ (7,00) đây là mức 3 (mức 1 có điểm "
        "từ cao nhất): sửa số mức hoặc điểm từ cho khớp",
        "Trang «XepLoai» – Dòng 4, cột «Mức»: mức «3» là số nhưng theo điểm từ (8,00) đây là mức 2 (mức 1 có điểm "
        "từ cao nhất): sửa số mức hoặc điểm từ cho khớp",
    ]


def test_levels_out_of_order_are_named(world):
    levels = small_levels()
    levels[1][0], levels[2][0] = 2, 1
    problems = rejected(world, workbook(levels=levels))
    assert any(p.startswith("Trang «XepLoai» – Dòng 2, cột «Mức»: mức «2» là số nhưng theo điểm từ") for p in problems)


def test_a_missing_required_column_is_named(world):
    rows = [[cell for i, cell in enumerate(row) if i != 3] for row in small_criteria()]
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 1, cột «Cách chấm»: thiếu cột bắt buộc" in problems


def test_a_missing_levels_sheet_is_named(world):
    problems = rejected(world, workbook(drop=("XepLoai",)))
    assert (
        "thiếu trang «XepLoai» (các cột: Mức, Tên, Điểm từ); các trang có trong tệp: «TieuChi», «DieuKien»" in problems
    )


def test_the_conditions_sheet_is_optional(world):
    version = do_import(world, workbook(drop=("DieuKien",)))
    assert version.conditions == [] and len(version.levels) == 4


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("bo_tieu_chi.xlsx", b"%PDF-1.4 not a workbook", "đây không phải bảng tính Excel (.xlsx) hợp lệ"),
        ("bo_tieu_chi.docx", b"PK\x03\x04", "bộ tiêu chí phải là bảng tính Excel (.xlsx)"),
        ("bo_tieu_chi.csv", "Mã,Tên tiêu chí\n1,A\n".encode(), "bộ tiêu chí phải là bảng tính Excel (.xlsx)"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(world, filename, data, expected):
    problems = rejected(world, data, filename)
    assert expected in problems[0]


def test_more_than_two_decimals_is_refused_not_rounded(world):
    rows = _rows_with(lambda r: r[3].__setitem__(2, "1,255"))
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 4, cột «Điểm tối đa»: “1,255” có quá 2 chữ số thập phân" in problems


def test_a_float_cell_with_three_decimals_is_refused(world):
    rows = _rows_with(lambda r: r[3].__setitem__(2, 2.005))
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 4, cột «Điểm tối đa»: “2.005” có quá 2 chữ số thập phân" in problems


def test_a_child_before_its_parent_or_without_one_is_named(world):
    rows = small_criteria()
    rows.insert(1, rows.pop(2))  # 1.1 before 1
    rows.append(["3.1", "Mồ côi", "1", "khoảng", None, "có", None, None])
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 2, cột «Mã»: dòng của tiêu chí cấp trên «1» phải đứng trước dòng này" in problems
    assert "Trang «TieuChi» – Dòng 9, cột «Mã»: không có tiêu chí cấp trên «3» trong tệp" in problems


def test_a_leaf_without_points_or_method_is_named(world):
    rows = _rows_with(lambda r: r[3].__setitem__(2, None))
    rows[2][3] = None
    problems = rejected(world, workbook(rows))
    assert (
        "Trang «TieuChi» – Dòng 4, cột «Điểm tối đa»: tiêu chí cuối cùng (không có tiêu chí thành phần) phải có "
        "điểm tối đa" in problems
    )
    assert (
        "Trang «TieuChi» – Dòng 3, cột «Cách chấm»: tiêu chí cuối cùng phải có cách chấm (khoảng, có/không, trừ điểm)"
        in problems
    )


def test_bonus_inside_a_normal_area_and_unknown_kinds_are_named(world):
    rows = small_criteria()
    rows[3][7] = "thưởng"
    rows[5][7] = "đặc biệt"
    problems = rejected(world, workbook(rows))
    assert any(p.startswith("Trang «TieuChi» – Dòng 4, cột «Loại»: mục điểm thưởng phải là dòng gốc") for p in problems)
    assert any(p.startswith("Trang «TieuChi» – Dòng 6, cột «Loại»: loại «đặc biệt» không hợp lệ") for p in problems)


def test_conditions_need_unique_codes_and_existing_cap_levels(world):
    conditions = small_conditions()
    conditions.append(["DK1", "Lặp", "không xếp loại", None])
    conditions.append(["DK3", "Giới hạn lạ", "giới hạn mức", 7])
    conditions.append(["DK4", "Lạ", "khiển trách", None])
    problems = rejected(world, workbook(conditions=conditions))
    assert "Trang «DieuKien» – Dòng 4, cột «Mã»: mã điều kiện «DK1» trùng với dòng 2" in problems
    assert "Trang «DieuKien» – Dòng 5, cột «Mức tối đa»: không có mức «7» trong trang «XepLoai»" in problems
    assert any(
        p.startswith("Trang «DieuKien» – Dòng 6, cột «Hiệu lực»: hiệu lực «khiển trách» không hợp lệ") for p in problems
    )


def test_every_problem_of_every_sheet_is_listed_at_once(world):
    rows = _rows_with(lambda r: r[2].__setitem__(3, "???"))
    rows[4][2] = "9"
    levels = small_levels()
    levels[2][2] = "abc"
    problems = rejected(world, workbook(rows, levels))
    assert problems[0] == "Tệp bộ tiêu chí có 3 lỗi; chưa nhập gì. Vui lòng sửa tệp và nhập lại."
    assert [p.split(" – ")[0] for p in problems[1:]] == ["Trang «TieuChi»", "Trang «TieuChi»", "Trang «XepLoai»"]


def test_a_total_that_is_not_positive_is_refused(world):
    criteria = [
        HEADER,
        ["T", "Thưởng", "2", None, None, None, None, "thưởng"],
        ["T.1", "Một", "2", "khoảng", None, "có", None, "thưởng"],
    ]
    problems = rejected(world, workbook(criteria))
    assert "Trang «TieuChi» – bộ tiêu chí không có lĩnh vực nào (tiêu chí thường ở dòng gốc)" in problems


def test_a_threshold_no_unit_can_reach_is_named(world):
    levels = small_levels()
    levels[1][2] = "50"
    problems = rejected(world, workbook(levels=levels))
    assert (
        "Trang «XepLoai» – Dòng 2, cột «Điểm từ»: điểm từ 50,00 cao hơn tổng điểm tối đa có thể đạt (12,00)" in problems
    )


def test_headers_match_ignoring_case_accents_and_spaces(world):
    rows = small_criteria()
    rows[0] = [
        "ma",
        "TEN TIEU CHI",
        "diem toi da",
        "Cách  chấm",
        "buoc diem",
        "tai lieu kiem chung",
        "huong dan cham",
        "loai",
    ]
    version = do_import(world, workbook(rows))
    assert services.summary(version)["leaves"] == 3


def test_text_that_looks_like_a_formula_or_holds_a_word_line_break_round_trips(world):
    from dvcq.platform.auth.models import User
    from dvcq.platform.tenancy import Scope

    version = do_import(world, workbook())
    secretariat = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
    node = next(n for n in version.nodes if n.code == "1.1")
    with scoped(Scope(authority_id=world.district_id)):
        services.update_node(
            secretariat, node.id, version.version, name='=HYPERLINK("http://x")', guidance="Dòng một\vDòng hai\x07"
        )
    db.session.expire_all()
    version = db.session.get(CriteriaVersion, version.id)
    first = exports.export_bytes(version)
    row = cells(first)["TieuChi"][2]
    assert row[1] == '=HYPERLINK("http://x")' and row[6] == "Dòng một\nDòng hai"
    assert load_workbook(io.BytesIO(first))["TieuChi"]["B3"].data_type == "s"
    again = do_import(world, first)
    assert cells(exports.export_bytes(again)) == cells(first)


def test_a_child_of_a_rejected_row_points_to_it(world):
    rows = small_criteria()
    rows.append(["5.1", "Mồ côi", "1", None, None, None, None, None])
    rows.append(["5.1.a", "Cháu", "1", "khoảng", None, "có", None, None])
    problems = rejected(world, workbook(rows))
    assert "Trang «TieuChi» – Dòng 9, cột «Mã»: không có tiêu chí cấp trên «5» trong tệp" in problems
    assert "Trang «TieuChi» – Dòng 10, cột «Mã»: tiêu chí cấp trên «5.1» có lỗi (xem dòng 9)" in problems
