"""The demo units' evidence for 2026: the documents a commune or an agency files in a year and cites in its
self-assessment — its plan, a report, the decision setting up its steering board, the minutes of a dialogue — each
written as the unit would write it (its own name, number series, dates and people) and printed as a multi-page PDF
(`evidence.demo_pdf`). Everything is drawn from a random stream seeded with the unit's code, so a unit's files are the
same on every run; the names and figures are invented, as every person of the demo is."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from dvcq.scoring.evidence.demo_pdf import AdminDocument, Block, Signer, render

YEAR = 2026
PROVINCE_LINE = "UBND TỈNH QUẢNG NGÃI"
PROVINCE_PLACE = "Quảng Ngãi"
# Villages of the new communes (invented): where meetings are held and whom reports mention.
VILLAGES = ("Gò Khôn", "Nước Lăng", "Làng Mạ", "Mang Lùng", "Con Dóc", "Nước Y", "Làng Trui", "Đồng Dương")
PEOPLE = (
    "Phạm Văn Tuấn",
    "Đinh Thị Hoa",
    "Nguyễn Văn Lâm",
    "Trần Thị Mai",
    "Đinh Văn Phúc",
    "Lê Thị Thu",
    "Võ Văn Sang",
    "Phạm Thị Nga",
    "Huỳnh Văn Tín",
    "Bùi Thị Hương",
    "Đinh Văn Rô",
    "Nguyễn Thị Xuân",
)


# What a commune and an agency call the same things in their documents.
COMMUNE_WORDS = {
    "where": "trên địa bàn xã",
    "scope": "trên địa bàn xã",
    "served": "Nhân dân",
    "audience": "Nhân dân",
    "office": "Văn phòng HĐND và UBND xã",
    "office_head": "Chánh Văn phòng HĐND và UBND xã",
    "partners": "Ủy ban Mặt trận Tổ quốc Việt Nam xã và các đoàn thể",
    "party": "Thường trực Đảng ủy xã",
    "deputy": "Phó Chủ tịch UBND xã",
    "front": "Chủ tịch Ủy ban MTTQ Việt Nam xã",
    "clerk": "Công chức Văn phòng HĐND và UBND xã",
    "media": "hệ thống truyền thanh xã",
    "desk": "Bộ phận Một cửa của xã",
    "announce": "tại nhà văn hóa thôn và trên hệ thống truyền thanh xã.",
}
AGENCY_WORDS = {
    "where": "trong cơ quan và lĩnh vực ngành quản lý",
    "scope": "trong cơ quan",
    "served": "người dân, doanh nghiệp",
    "audience": "cán bộ, công chức, người lao động",
    "office": "Văn phòng cơ quan",
    "office_head": "Chánh Văn phòng",
    "partners": "Công đoàn cơ sở",
    "party": "Đảng ủy cơ quan",
    "deputy": "Phó Giám đốc",
    "front": "Chủ tịch Công đoàn cơ sở",
    "clerk": "Chuyên viên",
    "media": "trang thông tin điện tử của cơ quan",
    "desk": "cơ quan",
    "announce": "trong cơ quan.",
}


@dataclass(frozen=True)
class Issuer:
    """How one unit names itself on its documents. `symbol` is the part of a number after the kind ("UBND" for a
    commune's committee, "STP" for Sở Tư pháp); `head` its head's title as a sentence reads it."""

    name: str  # "Xã Ba Tô"
    commune: bool
    leader: str  # the head's name (the unit's leader account)
    officer: str  # the officer who keeps the minutes
    symbol: str
    header: str  # "ỦY BAN NHÂN DÂN XÃ BA TÔ", "SỞ TƯ PHÁP"
    in_text: str  # "Ủy ban nhân dân xã Ba Tô", "Sở Tư pháp"
    short: str  # "UBND xã Ba Tô": the «Cơ quan ban hành» of the upload form
    place: str  # "Ba Tô", "Quảng Ngãi"
    head: str  # "Chủ tịch UBND xã", "Giám đốc Sở"
    sign_as: tuple[str, ...]  # the signature block's capitals
    decided_by: str  # who decides, above the grounds of a decision: "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ BA TÔ"

    @property
    def words(self) -> dict[str, str]:
        return COMMUNE_WORDS if self.commune else AGENCY_WORDS

    @property
    def parent(self) -> str:
        return "" if self.commune else PROVINCE_LINE

    @property
    def staff(self) -> str:
        return "cán bộ, công chức" if self.commune else "cán bộ, công chức, người lao động"


def agency_symbol(name: str) -> str:
    """The letters an agency's numbers carry: "Sở Tư pháp" → "STP", "Sở Giáo dục và Đào tạo" → "SGDĐT",
    "Văn phòng UBND tỉnh" → "VPUB" (the initials; "và" and "tỉnh" are left out, UBND gives "UB")."""
    letters = []
    for word in name.split():
        if word in ("và", "tỉnh"):
            continue
        letters.append("UB" if word == "UBND" else word[0].upper())
    return "".join(letters)


def issuer(name: str, commune: bool, leader: str, officer: str) -> Issuer:
    if commune:
        place = name.removeprefix("Xã ")
        return Issuer(
            name=name,
            commune=True,
            leader=leader,
            officer=officer,
            symbol="UBND",
            header=f"ỦY BAN NHÂN DÂN XÃ {place.upper()}",
            in_text=f"Ủy ban nhân dân xã {place}",
            short=f"UBND xã {place}",
            place=place,
            head="Chủ tịch UBND xã",
            sign_as=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
            decided_by=f"CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ {place.upper()}",
        )
    head, title = ("Giám đốc Sở", "GIÁM ĐỐC") if name.startswith("Sở ") else ("Chánh Văn phòng", "CHÁNH VĂN PHÒNG")
    return Issuer(
        name=name,
        commune=False,
        leader=leader,
        officer=officer,
        symbol=agency_symbol(name),
        header=name.upper(),
        in_text=name,
        short=name,
        place=PROVINCE_PLACE,
        head=head,
        sign_as=(title,),
        decided_by=f"{title.split()[0]} {name.upper()}" if title == "CHÁNH VĂN PHÒNG" else f"{title} {name.upper()}",
    )


@dataclass(frozen=True)
class SampleFile:
    """One file as the officer uploads it: its name, the upload form's fields, its bytes, and the areas (top-level
    criteria codes) whose items it proves."""

    name: str
    meta: dict
    data: bytes
    areas: tuple[str, ...]


def _document(unit: Issuer, *, blocks: list[Block], signers: tuple[Signer, ...] = (), **printed) -> AdminDocument:
    """One of the unit's documents: its header and place, signed by its head unless `signers` says otherwise."""
    return AdminDocument(
        issuer=unit.header,
        parent=unit.parent,
        place=unit.place,
        blocks=tuple(blocks),
        signers=signers or (Signer(unit.sign_as, unit.leader),),
        **printed,
    )


def _file(unit: Issuer, doc: AdminDocument, name: str, areas: tuple[str, ...]) -> SampleFile:
    meta = {
        "doc_number": doc.number,
        "doc_date": doc.day,
        "issuer": unit.short,
        "description": f"{doc.kind.capitalize()} {doc.summary[:1].lower()}{doc.summary[1:]}",
    }
    return SampleFile(name=name, meta=meta, data=render(doc), areas=areas)


def _decimal(value: float) -> str:
    """ "98,6": a figure as Vietnamese writes it."""
    return f"{value}".replace(".", ",")


def _thousands(value: int) -> str:
    """ "1.234": thousands with a dot."""
    return f"{value:,}".replace(",", ".")


def _paras(*texts: str) -> list[Block]:
    return [Block(t) for t in texts]


# ---- Kế hoạch -----------------------------------------------------------------------------------------------------


def plan(unit: Issuer, rng: random.Random) -> SampleFile:
    number = f"{rng.randint(5, 19):02d}/KH-{unit.symbol}"
    day = date(YEAR, 1, rng.randint(12, 23))
    who = unit.in_text
    words = unit.words
    meetings = rng.randint(2, 3)
    blocks = [
        Block(
            f"Thực hiện Kết luận số 114-KL/TW ngày 14/7/2015 của Ban Bí thư về nâng cao chất lượng, hiệu quả công tác "
            f"dân vận của cơ quan nhà nước, chính quyền các cấp; Luật Thực hiện dân chủ ở cơ sở năm 2022 và Kế hoạch "
            f"của Ủy ban nhân dân tỉnh Quảng Ngãi về công tác dân vận chính quyền năm {YEAR}, {who} ban hành Kế hoạch "
            f"thực hiện công tác dân vận chính quyền năm {YEAR} như sau:"
        ),
        Block("I. MỤC ĐÍCH, YÊU CẦU", "heading"),
        *_paras(
            f"1. Tiếp tục nâng cao nhận thức, trách nhiệm của {unit.staff} về vị trí, vai trò của công tác dân vận "
            f"chính quyền; xây dựng đội ngũ {unit.staff} thật sự gần dân, trọng dân, hiểu dân, học dân và có trách "
            f"nhiệm với dân; lấy sự hài lòng của {words['served']} làm thước đo hiệu quả phục vụ.",
            f"2. Gắn công tác dân vận chính quyền với thực hiện nhiệm vụ chính trị của {who}; thực hiện tốt phương "
            f"châm «dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng» {words['where']}.",
            "3. Các nội dung của kế hoạch phải được phân công cụ thể, có người chịu trách nhiệm và thời gian hoàn "
            "thành; việc thực hiện được theo dõi, đánh giá định kỳ hằng quý và là căn cứ để tự đánh giá, chấm điểm "
            f"Chỉ số Dân vận chính quyền năm {YEAR}.",
        ),
        Block("II. NỘI DUNG, NHIỆM VỤ TRỌNG TÂM", "heading"),
        Block("1. Công tác lãnh đạo, chỉ đạo, quán triệt, tuyên truyền", "heading"),
        *_paras(
            f"Kiện toàn Ban Chỉ đạo thực hiện dân chủ ở cơ sở và công tác dân vận chính quyền; phân công một đồng chí "
            f"lãnh đạo trực tiếp phụ trách và một công chức làm đầu mối theo dõi, tổng hợp. Trong quý I năm {YEAR}, tổ "
            f"chức quán triệt Kết luận số 114-KL/TW, Luật Thực hiện dân chủ ở cơ sở và các văn bản hướng dẫn cho toàn "
            f"thể {unit.staff}.",
            f"Đưa nội dung công tác dân vận chính quyền vào chương trình công tác năm; {unit.head} trực tiếp chỉ đạo "
            f"và sử dụng kết quả thực hiện khi đánh giá, xếp loại {unit.staff} cuối năm.",
        ),
        Block("2. Cải cách hành chính, thực hiện cơ chế một cửa và dịch vụ công trực tuyến", "heading"),
        *_paras(
            "Niêm yết, công khai đầy đủ, kịp thời thủ tục hành chính và quy trình nội bộ; giải quyết hồ sơ đúng hạn, "
            "trước hạn, xin lỗi người dân khi hồ sơ trễ hạn; không yêu cầu bổ sung hồ sơ quá một lần. Phấn đấu tỷ lệ "
            f"hồ sơ giải quyết đúng hạn đạt trên {rng.randint(96, 99)}%, tỷ lệ hồ sơ tiếp nhận trực tuyến đạt trên "
            f"{rng.randint(55, 75)}%; số hóa toàn bộ kết quả giải quyết thủ tục hành chính còn hiệu lực.",
        ),
        Block("3. Tiếp công dân, giải quyết khiếu nại, tố cáo, kiến nghị", "heading"),
        *_paras(
            f"{unit.head} tiếp công dân định kỳ theo lịch đã thông báo và tiếp đột xuất khi cần thiết; giải quyết "
            "khiếu nại, tố cáo thuộc thẩm quyền đúng thời hạn; tiếp nhận, xử lý và trả lời kịp thời kiến nghị, phản "
            "ánh của người dân qua các kênh trực tiếp, đường dây nóng, cổng dịch vụ công.",
        ),
        Block("4. Thực hiện dân chủ ở cơ sở; đối thoại với Nhân dân", "heading"),
        *_paras(
            "Công khai đầy đủ, đúng hình thức và thời hạn các nội dung phải công khai theo Luật Thực hiện dân chủ ở "
            f"cơ sở; tổ chức ít nhất {meetings:02d} cuộc đối thoại trực tiếp giữa {unit.head} với "
            f"{words['audience']} trong năm; tổng hợp, giải quyết và "
            "trả lời các kiến nghị sau đối thoại trong thời hạn 30 ngày.",
        ),
        Block("5. Phong trào thi đua «Dân vận khéo»", "heading"),
        *_paras(
            "Đăng ký và xây dựng ít nhất 01 mô hình «Dân vận khéo» trong lĩnh vực dân vận chính quyền; định kỳ sơ "
            "kết, biểu dương, nhân rộng các điển hình; đề nghị cấp có thẩm quyền khen thưởng tập thể, cá nhân có "
            "thành tích tiêu biểu.",
        ),
        Block("III. TỔ CHỨC THỰC HIỆN", "heading"),
        *_paras(
            f"1. {words['office']} là cơ quan thường trực, có trách nhiệm "
            "hướng dẫn, đôn đốc, theo dõi việc thực hiện Kế hoạch; tổng hợp báo cáo định kỳ hằng quý, 6 tháng, 9 "
            f"tháng và năm gửi Sở Nội vụ theo quy định; chuẩn bị hồ sơ tự đánh giá Chỉ số Dân vận chính quyền năm "
            f"{YEAR}.",
            "2. Các bộ phận, công chức được phân công căn cứ nhiệm vụ được giao xây dựng kế hoạch chi tiết, tổ chức "
            "thực hiện và báo cáo kết quả về cơ quan thường trực trước ngày 15 của tháng cuối quý.",
            f"3. Đề nghị {words['partners']} phối hợp tuyên truyền, vận động và giám sát việc thực hiện Kế hoạch.",
            f"Trên đây là Kế hoạch thực hiện công tác dân vận chính quyền năm {YEAR} của {who}. Trong quá trình thực "
            "hiện, nếu có khó khăn, vướng mắc, các bộ phận kịp thời báo cáo để xem xét, giải quyết./.",
        ),
    ]
    doc = _document(
        unit,
        number=number,
        day=day,
        kind="KẾ HOẠCH",
        summary=f"Thực hiện công tác dân vận chính quyền năm {YEAR}",
        blocks=blocks,
        recipients=("Sở Nội vụ tỉnh Quảng Ngãi", words["party"], "Các bộ phận chuyên môn", "Lưu: VT."),
    )
    areas = ("1", "6", "8", "T") if unit.commune else ("1", "6", "7", "T")
    return _file(unit, doc, f"Kế hoạch thực hiện công tác dân vận chính quyền năm {YEAR}.pdf", areas)


# ---- Quyết định kiện toàn Ban Chỉ đạo -----------------------------------------------------------------------------


def board_decision(unit: Issuer, rng: random.Random) -> SampleFile:
    words = unit.words
    number = f"{rng.randint(3, 15):02d}/QĐ-{unit.symbol}"
    day = date(YEAR, 2, rng.randint(2, 12))
    board = "Ban Chỉ đạo thực hiện dân chủ ở cơ sở và công tác dân vận chính quyền"
    members = rng.sample(PEOPLE, 8)
    roles = [
        f"Ông (bà) {unit.leader}, {unit.head} — Trưởng ban",
        f"Ông (bà) {members[0]}, {words['deputy']} — Phó Trưởng ban",
        f"Ông (bà) {members[1]}, {words['front']} — Phó Trưởng ban",
        f"Ông (bà) {unit.officer}, {words['clerk']} — Thành viên, thường trực",
        *[
            f"Ông (bà) {person}, {post} — Thành viên"
            for person, post in zip(
                members[2:],
                (
                    "Công chức Tư pháp - Hộ tịch",
                    "Công chức Tài chính - Kế toán",
                    "Công chức Văn hóa - Xã hội",
                    "Chỉ huy trưởng Ban Chỉ huy quân sự",
                    "Bí thư Đoàn Thanh niên",
                    "Chủ tịch Hội Liên hiệp Phụ nữ",
                )
                if unit.commune
                else (
                    "Chánh Văn phòng",
                    "Chánh Thanh tra",
                    "Trưởng phòng Tổ chức cán bộ",
                    "Trưởng phòng Kế hoạch - Tài chính",
                    "Bí thư Chi đoàn",
                    "Trưởng ban Nữ công",
                ),
                strict=True,
            )
        ],
    ]
    blocks = [
        Block(unit.decided_by, "center"),
        Block("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;", "basis"),
        Block("Căn cứ Luật Thực hiện dân chủ ở cơ sở ngày 10 tháng 11 năm 2022;", "basis"),
        Block(
            "Căn cứ Kết luận số 114-KL/TW ngày 14/7/2015 của Ban Bí thư về nâng cao chất lượng, hiệu quả công tác dân "
            "vận của cơ quan nhà nước, chính quyền các cấp;",
            "basis",
        ),
        Block(f"Căn cứ tình hình thực tế và yêu cầu nhiệm vụ năm {YEAR};", "basis"),
        Block(f"Theo đề nghị của {words['office_head']}.", "basis"),
        Block("QUYẾT ĐỊNH:", "center"),
        Block(f"Điều 1. Kiện toàn {board} của {unit.in_text} năm {YEAR}, gồm các ông (bà) có tên sau:", "article"),
        *[Block(f"{i}. {role};") for i, role in enumerate(roles, start=1)],
        Block(f"Điều 2. {board} có nhiệm vụ:", "article"),
        *_paras(
            f"1. Giúp {unit.head} lãnh đạo, chỉ đạo, tổ chức thực hiện công tác dân vận chính quyền và thực hiện dân "
            f"chủ ở cơ sở {words['scope']}; xây dựng kế hoạch hằng năm và "
            "theo dõi, đôn đốc việc thực hiện.",
            "2. Định kỳ hằng quý họp đánh giá tình hình, kết quả thực hiện; chỉ đạo khắc phục các hạn chế, thiếu sót "
            "qua kiểm tra, giám sát và qua kết quả đánh giá Chỉ số Dân vận chính quyền của năm trước.",
            "3. Chỉ đạo việc tự đánh giá, tự chấm điểm Chỉ số Dân vận chính quyền; chuẩn bị đầy đủ tài liệu kiểm "
            "chứng và giải trình với tổ thẩm định của tỉnh khi có yêu cầu.",
            "4. Trưởng ban phân công nhiệm vụ cụ thể cho từng thành viên; thành viên Ban Chỉ đạo làm việc theo chế "
            "độ kiêm nhiệm, chịu trách nhiệm trước Trưởng ban về lĩnh vực được phân công.",
        ),
        Block(
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký và thay thế các quyết định kiện toàn Ban Chỉ đạo trước "
            "đây.",
            "article",
        ),
        *_paras(
            f"{words['office_head']}, các bộ phận có liên quan và "
            "các ông (bà) có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
        ),
    ]
    doc = _document(
        unit,
        number=number,
        day=day,
        kind="QUYẾT ĐỊNH",
        summary=f"Về việc kiện toàn {board} năm {YEAR}",
        blocks=blocks,
        signers=(Signer(unit.sign_as[-1:], unit.leader),),
        recipients=("Như Điều 3", "Sở Nội vụ tỉnh Quảng Ngãi", words["party"], "Lưu: VT."),
    )
    areas = ("1", "5") if unit.commune else ("1", "2")
    return _file(unit, doc, f"Quyết định kiện toàn Ban Chỉ đạo dân chủ ở cơ sở năm {YEAR}.pdf", areas)


# ---- Báo cáo 9 tháng ----------------------------------------------------------------------------------------------


def report(unit: Issuer, rng: random.Random) -> SampleFile:
    words = unit.words
    number = f"{rng.randint(60, 160)}/BC-{unit.symbol}"
    day = date(YEAR, 9, rng.randint(18, 26))
    received = rng.randint(900, 2400) if unit.commune else rng.randint(1500, 6000)
    on_time = round(rng.uniform(96.5, 99.6), 1)
    online = round(rng.uniform(52, 78), 1)
    visits, letters = rng.randint(18, 40), rng.randint(6, 25)
    posts = rng.randint(14, 40)
    village = rng.choice(VILLAGES)
    blocks = [
        Block("I. KẾT QUẢ THỰC HIỆN", "heading"),
        Block("1. Công tác lãnh đạo, chỉ đạo, quán triệt, tuyên truyền", "heading"),
        *_paras(
            f"Ngay từ đầu năm, {unit.in_text} đã ban hành Kế hoạch thực hiện công tác dân vận chính quyền năm {YEAR} "
            f"và kiện toàn Ban Chỉ đạo thực hiện dân chủ ở cơ sở; tổ chức quán triệt Kết luận số 114-KL/TW và Luật "
            f"Thực hiện dân chủ ở cơ sở cho 100% {unit.staff}. Công tác tuyên truyền được thực hiện thường xuyên với "
            f"{posts} tin, bài trên {words['media']} và mạng xã hội.",
        ),
        Block("2. Cải cách hành chính, thực hiện cơ chế một cửa, một cửa liên thông", "heading"),
        *_paras(
            f"Trong 9 tháng, {words['desk']} tiếp nhận {_thousands(received)} hồ sơ "
            f"thủ tục hành chính (trực tuyến chiếm {_decimal(online)}%), đã giải quyết đúng hạn và trước hạn "
            f"{_decimal(on_time)}%; các hồ sơ trễ hạn đều có văn bản xin lỗi người dân. 100% thủ tục hành chính được "
            "niêm yết, công khai đúng quy định; kết quả giải quyết được số hóa và trả qua cổng dịch vụ công.",
            "Tổ công nghệ số cộng đồng tiếp tục hướng dẫn người dân cài đặt và sử dụng tài khoản định danh điện tử, "
            "nộp hồ sơ và thanh toán phí, lệ phí trực tuyến.",
        ),
        Block("3. Tiếp công dân, giải quyết khiếu nại, tố cáo, kiến nghị", "heading"),
        *_paras(
            f"{unit.head} tiếp công dân định kỳ theo lịch đã thông báo; tổng số {visits} lượt công dân đến trình bày, "
            f"tiếp nhận {letters} đơn thư, trong đó đã giải quyết, trả lời {letters - rng.randint(0, 2)} đơn, số còn "
            "lại đang trong thời hạn giải quyết. Không phát sinh khiếu nại, tố cáo đông người, vượt cấp.",
        ),
        Block("4. Thực hiện dân chủ ở cơ sở; đối thoại", "heading"),
        *_paras(
            "Các nội dung phải công khai theo Luật Thực hiện dân chủ ở cơ sở được công khai đúng hình thức và thời "
            f"hạn. Ngày 18/8/{YEAR}, {unit.head} tổ chức đối thoại trực tiếp "
            + (
                f"với Nhân dân tại Nhà văn hóa thôn {village}; "
                if unit.commune
                else "với cán bộ, công chức, người lao động của cơ quan; "
            )
            + "các ý kiến, kiến nghị được tiếp thu và giao bộ phận chuyên môn giải quyết, trả lời.",
        ),
        Block("5. Văn hóa công sở, tinh thần thái độ phục vụ", "heading"),
        *_paras(
            f"{unit.staff.capitalize()} chấp hành nghiêm giờ giấc làm việc, trang phục, đeo thẻ; không có trường hợp "
            "nào bị phản ánh về thái độ hách dịch, cửa quyền, gây phiền hà. Hòm thư góp ý và số điện thoại đường dây "
            "nóng được công khai tại nơi làm việc.",
        ),
        Block("II. HẠN CHẾ, NGUYÊN NHÂN", "heading"),
        *_paras(
            "Tỷ lệ hồ sơ nộp trực tuyến toàn trình còn thấp so với chỉ tiêu; một số người dân ở vùng sâu, vùng xa "
            "chưa quen sử dụng dịch vụ công trực tuyến. Việc lưu trữ tài liệu kiểm chứng ở một số bộ phận chưa đầy "
            "đủ, chưa kịp thời.",
            "Nguyên nhân chủ yếu là địa bàn rộng, hạ tầng viễn thông ở một số nơi chưa ổn định; một số công chức "
            "kiêm nhiệm nhiều việc nên chưa dành thời gian thỏa đáng cho công tác dân vận chính quyền.",
        ),
        Block("III. NHIỆM VỤ TRỌNG TÂM QUÝ IV", "heading"),
        *_paras(
            "1. Tiếp tục đẩy mạnh cải cách hành chính, nâng tỷ lệ hồ sơ trực tuyến; phấn đấu hoàn thành các chỉ tiêu "
            f"của Kế hoạch năm {YEAR}.",
            "2. Hoàn thiện mô hình «Dân vận khéo» đã đăng ký, đề nghị cấp trên đánh giá, công nhận.",
            f"3. Rà soát, hoàn thiện tài liệu kiểm chứng; tổ chức tự đánh giá, chấm điểm Chỉ số Dân vận chính quyền "
            f"năm {YEAR} đúng hướng dẫn và thời hạn của tỉnh.",
            f"Trên đây là báo cáo kết quả thực hiện công tác dân vận chính quyền 9 tháng đầu năm {YEAR} của "
            f"{unit.in_text}./.",
        ),
    ]
    doc = _document(
        unit,
        number=number,
        day=day,
        kind="BÁO CÁO",
        summary=f"Kết quả thực hiện công tác dân vận chính quyền 9 tháng đầu năm {YEAR}",
        blocks=blocks,
        recipients=("Sở Nội vụ tỉnh Quảng Ngãi", words["party"], "Lưu: VT."),
    )
    areas = ("2", "3", "5", "8") if unit.commune else ("3", "4", "5")
    return _file(unit, doc, f"Báo cáo kết quả công tác dân vận chính quyền 9 tháng năm {YEAR}.pdf", areas)


# ---- Biên bản đối thoại -------------------------------------------------------------------------------------------

# (what was raised, how the head answered) at a dialogue.
COMMUNE_DIALOGUE = (
    (
        "đề nghị sớm sửa chữa tuyến đường bê tông liên thôn bị sạt lở sau đợt mưa lũ tháng 7",
        "UBND xã đã lập hồ sơ đề nghị hỗ trợ khắc phục hậu quả thiên tai; trước mắt huy động lực lượng dân quân "
        "và Nhân dân san gạt tạm thời để bảo đảm đi lại an toàn, hoàn thành trước ngày 30/9",
    ),
    (
        "phản ánh việc chi trả trợ cấp hằng tháng cho người có công và đối tượng bảo trợ xã hội còn chậm",
        "giao công chức Văn hóa - Xã hội phối hợp với bưu điện rà soát danh sách, chi trả tại nhà văn hóa thôn "
        "trước ngày 10 hằng tháng và công khai số điện thoại để người dân phản ánh",
    ),
    (
        "đề nghị hướng dẫn thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu cho các hộ tách thửa",
        "Bộ phận Một cửa sẽ bố trí công chức địa chính hướng dẫn tại thôn vào ngày thứ Năm cuối tháng; hồ sơ được "
        "nhận và trả kết quả tại thôn đối với người cao tuổi",
    ),
    (
        "đề nghị lắp thêm đèn chiếu sáng tại khu dân cư và trên tuyến đường vào trường học",
        "UBND xã tiếp thu, đưa vào danh mục công trình Nhân dân bàn và quyết định năm sau; Đoàn Thanh niên xã "
        "phối hợp thực hiện công trình thanh niên thắp sáng đường quê",
    ),
    (
        "đề nghị tăng cường kiểm tra việc khai thác cát trái phép trên sông gây sạt lở đất sản xuất",
        "giao Công an xã và công chức địa chính kiểm tra ngay trong tuần, xử lý nghiêm các trường hợp vi phạm và "
        "thông báo kết quả cho Nhân dân",
    ),
)
AGENCY_DIALOGUE = (
    (
        "đề nghị bố trí thêm máy tính, máy quét cho bộ phận tiếp nhận và trả kết quả hồ sơ",
        "Văn phòng rà soát trang thiết bị, đưa vào dự toán mua sắm năm sau; trước mắt điều chuyển 02 máy từ các "
        "phòng chuyên môn",
    ),
    (
        "đề nghị công khai kế hoạch cử công chức đi đào tạo, bồi dưỡng trong năm",
        "kế hoạch sẽ được công khai trên trang thông tin nội bộ và tại cuộc họp giao ban tháng tới",
    ),
    (
        "đề nghị điều chỉnh lịch trực tiếp công dân cho phù hợp với lịch làm việc của các phòng",
        "giao Chánh Văn phòng xây dựng lại lịch trực, bảo đảm mỗi ngày làm việc đều có lãnh đạo phòng trực",
    ),
    (
        "phản ánh phần mềm quản lý văn bản và hồ sơ công việc thường xuyên chậm vào giờ cao điểm",
        "cơ quan đã đề nghị đơn vị cung cấp nâng cấp đường truyền; việc khắc phục hoàn thành trong tháng 9",
    ),
    (
        "đề nghị tổ chức tập huấn kỹ năng giao tiếp, ứng xử với người dân cho công chức trẻ",
        "Công đoàn cơ sở phối hợp với Văn phòng tổ chức lớp tập huấn trong quý IV",
    ),
)


def dialogue_minutes(unit: Issuer, rng: random.Random, *, second: bool = False) -> SampleFile:
    """The minutes of the head's dialogue with the people (a commune) or the staff (an agency); `second`: the
    year's second dialogue, the file a unit sends with its explanation when the first was all it had cited."""
    number = f"{rng.randint(2, 9):02d}/BB-{unit.symbol}"
    day = date(YEAR, 9, 22) if second else date(YEAR, 8, 18)
    village = rng.choice(VILLAGES)
    venue = f"Nhà văn hóa thôn {village}, {unit.name.lower()}" if unit.commune else f"Hội trường {unit.name}"
    with_whom = f"Nhân dân thôn {village}" if unit.commune else "cán bộ, công chức, người lao động của cơ quan"
    attendees = rng.randint(70, 140) if unit.commune else rng.randint(45, 90)
    speakers = rng.sample(PEOPLE, len(COMMUNE_DIALOGUE))
    exchanges = COMMUNE_DIALOGUE if unit.commune else AGENCY_DIALOGUE
    blocks = [
        Block(
            f"Vào lúc 08 giờ 00 phút, ngày {day.day:02d} tháng {day.month} năm {YEAR}, tại {venue}, {unit.in_text} "
            f"tổ chức hội nghị đối thoại giữa {unit.head} với {with_whom}"
            + (" (lần thứ hai trong năm)." if second else ".")
        ),
        Block("I. THÀNH PHẦN", "heading"),
        *_paras(
            f"1. Chủ trì: Ông (bà) {unit.leader}, {unit.head}.",
            f"2. Thư ký: Ông (bà) {unit.officer}.",
            "3. Tham dự: "
            + (
                "đại diện Thường trực Đảng ủy, Ủy ban Mặt trận Tổ quốc Việt Nam xã, các đoàn thể; Bí thư chi bộ, "
                f"Trưởng thôn và {attendees} hộ gia đình trong thôn."
                if unit.commune
                else f"đại diện Đảng ủy, Công đoàn cơ sở và {attendees} cán bộ, công chức, người lao động."
            ),
        ),
        Block("II. NỘI DUNG", "heading"),
        *_paras(
            f"1. {unit.head} thông tin tình hình thực hiện nhiệm vụ 8 tháng đầu năm {YEAR}, kết quả thực hiện Kế "
            "hoạch công tác dân vận chính quyền và những nội dung trọng tâm từ nay đến cuối năm.",
            "2. Ý kiến phát biểu và trả lời tại hội nghị:",
        ),
        *[
            Block(f"- Ông (bà) {speaker} {question}. {unit.head} trả lời: {answer}.")
            for speaker, (question, answer) in zip(speakers, exchanges, strict=True)
        ],
        *_paras(
            f"3. Đối với các nội dung cần kiểm tra, xác minh, {unit.head} giao bộ phận chuyên môn tham mưu giải quyết "
            "và trả lời bằng văn bản trong thời hạn 30 ngày kể từ ngày đối thoại.",
            f"4. Kết luận: {unit.head} ghi nhận các ý kiến đóng góp tâm huyết, trách nhiệm; yêu cầu các bộ phận tiếp "
            "thu, sửa chữa ngay những tồn tại, hạn chế trong phục vụ; kết quả giải quyết được thông báo công khai "
            + unit.words["announce"],
            "Hội nghị kết thúc vào lúc 11 giờ 00 phút cùng ngày. Biên bản được lập thành 03 bản, đã đọc lại cho mọi "
            "người cùng nghe và thống nhất ký tên./.",
        ),
    ]
    summary = (
        f"Hội nghị đối thoại giữa {unit.head} với Nhân dân thôn {village}"
        if unit.commune
        else f"Hội nghị đối thoại giữa {unit.head} với cán bộ, công chức, người lao động"
    )
    doc = _document(
        unit,
        number=number,
        day=day,
        kind="BIÊN BẢN",
        summary=summary,
        blocks=blocks,
        signers=(Signer(("THƯ KÝ",), unit.officer), Signer(("CHỦ TRÌ",), unit.leader)),
    )
    name = f"Biên bản đối thoại {'lần 2 ' if second else ''}ngày {day.day:02d}-{day.month:02d}-{YEAR}.pdf"
    areas = ("4", "7") if unit.commune else ("2", "4")
    return _file(unit, doc, name, areas)


def library(unit: Issuer, code: str) -> list[SampleFile]:
    """The four files a unit keeps in its evidence library for the year, the same on every run."""
    rng = random.Random(f"{code}-{YEAR}")
    return [plan(unit, rng), board_decision(unit, rng), report(unit, rng), dialogue_minutes(unit, rng)]


def explanation_file(unit: Issuer, code: str) -> SampleFile:
    """What a unit sends with its explanation: the minutes of its second dialogue of the year."""
    return dialogue_minutes(unit, random.Random(f"{code}-{YEAR}-giai-trinh"), second=True)
