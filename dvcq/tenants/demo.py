"""The demo's units and accounts, as the 2025 reform made them: Huyện Ba Tơ (Quảng Ngãi) with its 19 communes and 5
agencies until 30/6/2025, then the 8 communes formed from them and 5 agencies of the province from 01/7/2025, and a
login for every role on both sides of the reform. The first demo seeder; the other areas' seeders build on the
constants here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from dvcq.platform import audit
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import Role, User
from dvcq.platform.auth.passwords import hash_password
from dvcq.platform.demo import DATA_NOTE_ACTION, DEMO_PASSWORD
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.tenants.models import Unit, UnitKind
from dvcq.tenants.services import create_user

PROVINCE = ("QNG", "Tỉnh Quảng Ngãi")
DISTRICT = ("BATO", "Huyện Ba Tơ")
GROUP_COMMUNES, GROUP_AGENCIES = "Khối xã", "Khối cơ quan"
# The district level ended on 01/7/2025 (Luật Tổ chức chính quyền địa phương số 72/2025/QH15): Huyện Ba Tơ is the
# authority of the cycles 2021–2024, the province of 2025 and after.
DISTRICT_LAST_DAY = date(2025, 6, 30)
REFORM_ON = date(2025, 7, 1)
SINCE = date(2020, 1, 1)  # the units as they stood from before the demo's first year (2021) until the reform
DISTRICT_COMMUNES = [
    ("BATO-TT", "Thị trấn Ba Tơ", UnitKind.THI_TRAN),
    ("BATO-BDO", "Xã Ba Động", UnitKind.XA),
    ("BATO-BCU", "Xã Ba Cung", UnitKind.XA),
    ("BATO-BDI", "Xã Ba Dinh", UnitKind.XA),
    ("BATO-BDE", "Xã Ba Điền", UnitKind.XA),
    ("BATO-BBI", "Xã Ba Bích", UnitKind.XA),
    ("BATO-BGI", "Xã Ba Giang", UnitKind.XA),
    ("BATO-BKH", "Xã Ba Khâm", UnitKind.XA),
    ("BATO-BLE", "Xã Ba Lế", UnitKind.XA),
    ("BATO-BLI", "Xã Ba Liên", UnitKind.XA),
    ("BATO-BNA", "Xã Ba Nam", UnitKind.XA),
    ("BATO-BNG", "Xã Ba Ngạc", UnitKind.XA),
    ("BATO-BTH", "Xã Ba Thành", UnitKind.XA),
    ("BATO-BTI", "Xã Ba Tiêu", UnitKind.XA),
    ("BATO-BTO", "Xã Ba Tô", UnitKind.XA),
    ("BATO-BTR", "Xã Ba Trang", UnitKind.XA),
    ("BATO-BVI", "Xã Ba Vì", UnitKind.XA),
    ("BATO-BVN", "Xã Ba Vinh", UnitKind.XA),
    ("BATO-BXA", "Xã Ba Xa", UnitKind.XA),
]
DISTRICT_AGENCIES = [
    ("BATO-VP", "Văn phòng HĐND và UBND huyện"),
    ("BATO-NV", "Phòng Nội vụ"),
    ("BATO-TP", "Phòng Tư pháp"),
    ("BATO-TNMT", "Phòng Tài nguyên và Môi trường"),
    ("BATO-GD", "Phòng Giáo dục và Đào tạo"),
]

REFORM_SOURCE = (
    "Nghị quyết số 1677/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban Thường vụ Quốc hội về việc sắp xếp các đơn vị hành "
    "chính cấp xã của tỉnh Quảng Ngãi năm 2025"
)
# The communes formed on 01/7/2025 from huyện Ba Tơ's 19 (REFORM_SOURCE, Điều 1): (code, name, kind, login slug).
PROVINCE_COMMUNES = [
    ("QNG-BVI", "Xã Ba Vì", UnitKind.XA, "bavi"),
    ("QNG-BTO", "Xã Ba Tô", UnitKind.XA, "batoo"),
    ("QNG-BDI", "Xã Ba Dinh", UnitKind.XA, "badinh"),
    ("QNG-BATO", "Xã Ba Tơ", UnitKind.XA, "batow"),
    ("QNG-BVN", "Xã Ba Vinh", UnitKind.XA, "bavinh"),
    ("QNG-BDO", "Xã Ba Động", UnitKind.XA, "badong"),
    ("QNG-DTT", "Xã Đặng Thùy Trâm", UnitKind.XA, "dangthuytram"),
    ("QNG-BXA", "Xã Ba Xa", UnitKind.XA, "baxa"),
]
# new commune → the communes of huyện Ba Tơ merged into it, as the resolution lists them.
REFORM = {
    "QNG-BVI": ["BATO-BVI", "BATO-BTI", "BATO-BNG"],
    "QNG-BTO": ["BATO-BTO", "BATO-BLE", "BATO-BNA"],
    "QNG-BDI": ["BATO-BDI", "BATO-BGI"],
    "QNG-BATO": ["BATO-TT", "BATO-BCU", "BATO-BBI"],
    "QNG-BVN": ["BATO-BVN", "BATO-BDE"],
    "QNG-BDO": ["BATO-BDO", "BATO-BLI", "BATO-BTH"],
    "QNG-DTT": ["BATO-BTR", "BATO-BKH"],
    "QNG-BXA": ["BATO-BXA"],
}
# The province's agencies assessed from 01/7/2025: (code, name, login slug).
PROVINCE_AGENCIES = [
    ("QNG-VP", "Văn phòng UBND tỉnh", "vptinh"),
    ("QNG-SNV", "Sở Nội vụ", "sonv"),
    ("QNG-STP", "Sở Tư pháp", "sotp"),
    ("QNG-STC", "Sở Tài chính", "sotc"),
    ("QNG-SGD", "Sở Giáo dục và Đào tạo", "sogd"),
]
DEMO_SUBSET_NOTE = (
    "Bản demo chỉ có một phần của tỉnh Quảng Ngãi: 8 xã hình thành ngày 01/07/2025 từ 19 xã, thị trấn của huyện Ba Tơ "
    "cũ và 5 cơ quan cấp tỉnh. Thứ hạng trong bản demo được tính trong phạm vi các đơn vị này, không phải toàn tỉnh."
)

# Login slugs: an old unit's is its code's suffix in lower case (canbo.bna: Xã Ba Nam), a new unit's the table's.
SLUG = {code: code.split("-", 1)[1].lower() for code, _, _ in DISTRICT_COMMUNES}
AGENCY_SLUG = {code: code.split("-", 1)[1].lower() for code, _ in DISTRICT_AGENCIES}
PROVINCE_SLUG = {code: slug for code, _, _, slug in PROVINCE_COMMUNES}
PROVINCE_AGENCY_SLUG = {code: slug for code, _, slug in PROVINCE_AGENCIES}

# (login, full name, role, unit code, title): the province runs the cycles from 2025, the district kept its history.
AUTHORITY_USERS = [
    ("quantri", "Nguyễn Văn Quản", Role.ADMIN, PROVINCE[0], "Chuyên viên Sở Nội vụ"),
    ("thuongtruc", "Phạm Thị Thường", Role.SECRETARIAT, PROVINCE[0], "Chuyên viên Sở Nội vụ"),
    ("lanhdao", "Đinh Văn Lãnh", Role.LEADERSHIP, PROVINCE[0], "Phó Chủ tịch UBND tỉnh"),
    ("thamdinh1", "Trần Minh Thẩm", Role.APPRAISER, PROVINCE[0], "Thành viên tổ thẩm định"),
    ("thamdinh2", "Lê Thị Định", Role.APPRAISER, PROVINCE[0], "Thành viên tổ thẩm định"),
]
DISTRICT_USERS = [
    ("huyen.thuongtruc", "Võ Thị Hằng", Role.SECRETARIAT, DISTRICT[0], "Chuyên viên Phòng Nội vụ huyện"),
    ("huyen.lanhdao", "Phạm Văn Lực", Role.LEADERSHIP, DISTRICT[0], "Chủ tịch UBND huyện"),
    ("huyen.thamdinh", "Đinh Thị Thẩm", Role.APPRAISER, DISTRICT[0], "Thành viên tổ thẩm định huyện"),
]
# The communes' chairmen (invented names, as every person of the demo is): the name a plan or report is signed with.
_FAMILY = ("Đinh", "Phạm", "Nguyễn", "Trần", "Lê", "Võ", "Huỳnh", "Bùi", "Đỗ", "Phan")
_GIVEN = ("Văn Hùng", "Văn Sơn", "Thị Hoa", "Văn Tài", "Minh Đức", "Văn Năm", "Thị Lan", "Văn Bình", "Hữu Phước")


def chairman_name(index: int) -> str:
    return f"{_FAMILY[index % len(_FAMILY)]} {_GIVEN[index % len(_GIVEN)]}"


# Each agency's officer (its focal point) and leader: (officer's title, leader's name, leader's title).
AGENCY_PEOPLE = {
    "BATO-VP": ("Chuyên viên Văn phòng", "Chánh Văn phòng HĐND và UBND huyện", "Chánh Văn phòng"),
    "BATO-NV": ("Chuyên viên Phòng Nội vụ", "Trưởng phòng Nội vụ", "Trưởng phòng"),
    "BATO-TP": ("Chuyên viên Phòng Tư pháp", "Trưởng phòng Tư pháp", "Trưởng phòng"),
    "BATO-TNMT": (
        "Chuyên viên Phòng Tài nguyên và Môi trường",
        "Trưởng phòng Tài nguyên và Môi trường",
        "Trưởng phòng",
    ),
    "BATO-GD": ("Chuyên viên Phòng Giáo dục và Đào tạo", "Trưởng phòng Giáo dục và Đào tạo", "Trưởng phòng"),
    "QNG-VP": ("Chuyên viên Văn phòng UBND tỉnh", "Huỳnh Minh Tâm", "Chánh Văn phòng UBND tỉnh"),
    "QNG-SNV": ("Chuyên viên Sở Nội vụ", "Bùi Văn Nghĩa", "Giám đốc Sở Nội vụ"),
    "QNG-STP": ("Chuyên viên Sở Tư pháp", "Trần Thị Pháp", "Giám đốc Sở Tư pháp"),
    "QNG-STC": ("Chuyên viên Sở Tài chính", "Lê Văn Tín", "Giám đốc Sở Tài chính"),
    "QNG-SGD": ("Chuyên viên Sở Giáo dục và Đào tạo", "Nguyễn Thị Giáo", "Giám đốc Sở Giáo dục và Đào tạo"),
}
OFFICER_TITLE = "Công chức Văn phòng - Thống kê"  # the seed plan's officer, in every commune before the reform
NEW_OFFICER_TITLE = "Chuyên viên Văn phòng HĐND và UBND xã"  # the communes' office after the reform


def _district_rows(until: date | None) -> list[list[str]]:
    """The district and its members as the units file writes them, in force since SINCE and until `until`."""
    since, end = vn_date(SINCE), vn_date(until) if until else ""
    return [
        [*DISTRICT, "huyện", PROVINCE[0], "", since, end, ""],
        *[
            [code, name, kind.label, DISTRICT[0], GROUP_COMMUNES, since, end, ""]
            for code, name, kind in DISTRICT_COMMUNES
        ],
        *[[code, name, "cơ quan", DISTRICT[0], GROUP_AGENCIES, since, end, ""] for code, name in DISTRICT_AGENCIES],
    ]


def _reform_rows() -> list[list[str]]:
    """The province's units from 01/7/2025: each new commune names its predecessors (the lineage)."""
    since = vn_date(REFORM_ON)
    return [
        *[
            [code, name, kind.label, PROVINCE[0], GROUP_COMMUNES, since, "", ", ".join(REFORM[code])]
            for code, name, kind, _ in PROVINCE_COMMUNES
        ],
        *[[code, name, "cơ quan", PROVINCE[0], GROUP_AGENCIES, since, "", ""] for code, name, _ in PROVINCE_AGENCIES],
    ]


def _import(rows: list[list[str]], source: str) -> None:
    """Rows in the units file's column order: the required columns, then the dates and the predecessors."""
    from dvcq.tenants.imports import OPTIONAL, REQUIRED, import_units_table

    if rows:
        import_units_table([[*REQUIRED.values(), *OPTIONAL.values()], *rows], actor=None, source=source)


def _units() -> dict[str, Unit]:
    return {u.code: u for u in db.session.execute(select(Unit)).scalars()}


def _seed_before_reform() -> dict[str, Unit]:
    """The tree as it stood until 30/6/2025, through the same importer as `dvcq units import`: only units whose code
    is missing are added (an administrator's later edits are kept)."""
    existing = _units()
    wanted = [[*PROVINCE, "tỉnh", "", "", vn_date(SINCE), "", ""], *_district_rows(None)]
    _import([row for row in wanted if row[0] not in existing], "dữ liệu mẫu: đơn vị trước ngày 01/07/2025")
    return _units()


def _seed_reform() -> dict[str, Unit]:
    """The reform as a units file records it: the new units with their predecessors, and the district with its members
    ending on 30/6/2025. Applied once — while any of the new units is missing; a district unit an administrator already
    gave an end date keeps it."""
    existing = _units()
    missing = [row for row in _reform_rows() if row[0] not in existing]
    if missing:
        closing = [row for row in _district_rows(DISTRICT_LAST_DAY) if existing[row[0]].valid_to is None]
        _import([*missing, *closing], f"dữ liệu mẫu: sắp xếp đơn vị hành chính theo {REFORM_SOURCE}")
    return _units()


def _user(login: str, full_name: str, role: Role, unit: Unit, title: str, password_hash: str) -> None:
    """An account, unless its login exists or its unit has ended: the accounts of the units before the reform are
    made while those units are in force (the first run), as they were in real life."""
    if db.session.execute(select(User.id).where(User.login == login)).first():
        return
    if unit.valid_to is not None and unit.valid_to < date.today():
        return
    create_user(
        actor=None,
        unit_code=unit.code,
        role=role,
        login=login,
        full_name=full_name,
        password=DEMO_PASSWORD,
        email=f"{login}@demo.dvcq.vn",
        title=title,
        password_hash=password_hash,
    )


def _member_accounts(members, units: dict[str, Unit], password_hash: str) -> None:
    """An officer and a leader for each (code, slug, officer's name, officer's title, leader's name, leader's title)."""
    for code, slug, officer, officer_title, leader, leader_title in members:
        _user(f"canbo.{slug}", officer, Role.OFFICER, units[code], officer_title, password_hash)
        _user(f"lanhdao.{slug}", leader, Role.LEADER, units[code], leader_title, password_hash)


def _short(name: str) -> str:
    return name.removeprefix("Xã ").removeprefix("Thị trấn ")


def _district_accounts(units: dict[str, Unit], password_hash: str) -> None:
    for login, name, role, code, title in DISTRICT_USERS:
        _user(login, name, role, units[code], title, password_hash)
    members = [
        (code, SLUG[code], f"Cán bộ đầu mối {_short(name)}", OFFICER_TITLE, chairman_name(i), "Chủ tịch UBND")
        for i, (code, name, _) in enumerate(DISTRICT_COMMUNES)
    ]
    members += [
        (code, AGENCY_SLUG[code], f"Cán bộ đầu mối {name}", AGENCY_PEOPLE[code][0], *AGENCY_PEOPLE[code][1:])
        for code, name in DISTRICT_AGENCIES
    ]
    _member_accounts(members, units, password_hash)


def _province_accounts(units: dict[str, Unit], password_hash: str) -> None:
    for login, name, role, code, title in AUTHORITY_USERS:
        _user(login, name, role, units[code], title, password_hash)
    offset = len(DISTRICT_COMMUNES)  # the new communes' chairmen are other people than the old ones'
    members = [
        (code, slug, f"Cán bộ đầu mối {_short(name)}", NEW_OFFICER_TITLE, chairman_name(offset + i), "Chủ tịch UBND")
        for i, (code, name, _, slug) in enumerate(PROVINCE_COMMUNES)
    ]
    members += [
        (code, slug, f"Cán bộ đầu mối {name}", AGENCY_PEOPLE[code][0], *AGENCY_PEOPLE[code][1:])
        for code, name, slug in PROVINCE_AGENCIES
    ]
    _member_accounts(members, units, password_hash)


def _note_subset(province: Unit) -> None:
    """Record once, in the audit log, that the province holds only the demo's subset: the dashboard reads it from
    there (insights.services.demo_note), so it shows only where `dvcq demo` seeded this database, and insights never
    imports the demo."""
    known = db.session.execute(
        select(AuditRecord.id).where(AuditRecord.action == DATA_NOTE_ACTION, AuditRecord.unit_id == province.id)
    ).first()
    if known is None:
        audit.record(DATA_NOTE_ACTION, unit_id=province.id, target=province, reason=DEMO_SUBSET_NOTE)


def seed() -> list[tuple[str, str, str]]:
    """Create the demo's units and accounts on both sides of the reform; returns the logins to print (login, role,
    what it shows)."""
    password_hash = hash_password(DEMO_PASSWORD)  # once, not once per account
    units = _seed_before_reform()
    _district_accounts(units, password_hash)
    db.session.commit()
    units = _seed_reform()
    _province_accounts(units, password_hash)
    _note_subset(units[PROVINCE[0]])
    db.session.commit()
    return logins()


def logins() -> list[tuple[str, str, str]]:
    """The accounts `dvcq demo` prints: (login, role, unit and what it shows)."""
    officer, leader = Role.OFFICER.label, Role.LEADER.label
    old = "trước 01/07/2025"
    new_slugs = ", ".join(slug for *_, slug in PROVINCE_COMMUNES)
    agency_slugs = ", ".join(slug for *_, slug in PROVINCE_AGENCIES)
    return [
        *[(login, role.label, f"{PROVINCE[1]} (từ 01/07/2025)") for login, _, role, _, _ in AUTHORITY_USERS],
        *[(login, role.label, f"{DISTRICT[1]} ({old}): các năm 2021–2024") for login, _, role, _, _ in DISTRICT_USERS],
        ("canbo.batoo", officer, "Xã Ba Tô (từ 01/07/2025, gồm Ba Tô, Ba Lế, Ba Nam)"),
        ("lanhdao.batoo", leader, "Xã Ba Tô"),
        ("canbo.<tên xã mới>", officer, f"mỗi xã mới: {new_slugs}"),
        ("lanhdao.<tên xã mới>", leader, "mỗi xã mới, ví dụ lanhdao.bavi (Ba Vì)"),
        ("canbo.<mã sở>", officer, f"mỗi cơ quan cấp tỉnh: {agency_slugs}"),
        ("lanhdao.<mã sở>", leader, "mỗi cơ quan cấp tỉnh, ví dụ lanhdao.sotp (Sở Tư pháp)"),
        ("canbo.bna", officer, f"Xã Ba Nam ({old}): kết quả 2023, kế hoạch năm 2024"),
        ("lanhdao.bna", leader, f"Xã Ba Nam ({old})"),
        ("canbo.<mã xã cũ>", officer, f"mỗi xã, thị trấn của huyện Ba Tơ ({old}), ví dụ canbo.bdo (Ba Động)"),
        ("lanhdao.<mã xã cũ>", leader, "mỗi xã, thị trấn cũ, ví dụ lanhdao.tt (Thị trấn Ba Tơ)"),
        ("canbo.<mã phòng>", officer, f"mỗi phòng của huyện ({old}): vp, nv, tp, tnmt, gd"),
        ("lanhdao.<mã phòng>", leader, "mỗi phòng của huyện, ví dụ lanhdao.nv (Phòng Nội vụ)"),
    ]
