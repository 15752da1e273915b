"""Who signs the decision and under which law: the three ways a People's Committee decides (the committee, its
chairman, a vice-chairman for the chairman), the local-government law in force on the signing date, and the end of
the district level.

Pure data and functions: no Flask, no database. Every law below was checked against published texts before being
cited (number, date passed, date in force):

- Luật Tổ chức chính quyền địa phương số 77/2015/QH13, passed 19/6/2015, in force 01/01/2016;
- Luật số 47/2019/QH14 sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa
  phương, passed 22/11/2019, in force 01/7/2020 (both: the consolidated text 32/VBHN-VPQH of 2023);
- Luật Tổ chức chính quyền địa phương số 65/2025/QH15, passed 19/02/2025, in force 01/3/2025;
- Luật Tổ chức chính quyền địa phương số 72/2025/QH15, passed 16/6/2025 and in force that day (Điều 51 khoản 1),
  which ends Luật số 65/2025/QH15 (khoản 2) and the district level's People's Councils, People's Committees and their
  agencies from 01/7/2025 (khoản 3).

A decision cites a law by its name and the date it was passed, as Vietnamese administrative decisions do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


def long_date(day: date) -> str:
    """ "ngày 19 tháng 6 năm 2015", "ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 take a leading
    zero (Decree 30/2020/NĐ-CP)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass(frozen=True)
class Law:
    title: str
    number: str
    passed: date
    in_force: date

    @property
    def citation(self) -> str:
        return f"{self.title} {long_date(self.passed)}"


LAW_2015 = Law("Luật Tổ chức chính quyền địa phương", "77/2015/QH13", date(2015, 6, 19), date(2016, 1, 1))
AMENDMENT_2019 = Law(
    "Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương",
    "47/2019/QH14",
    date(2019, 11, 22),
    date(2020, 7, 1),
)
LAW_FEB_2025 = Law("Luật Tổ chức chính quyền địa phương", "65/2025/QH15", date(2025, 2, 19), date(2025, 3, 1))
LAW_JUNE_2025 = Law("Luật Tổ chức chính quyền địa phương", "72/2025/QH15", date(2025, 6, 16), date(2025, 6, 16))

# From the day each applies, the laws a decision signed that day cites (the latest row not after the day).
IN_FORCE: tuple[tuple[date, tuple[Law, ...]], ...] = (
    (LAW_2015.in_force, (LAW_2015,)),
    (AMENDMENT_2019.in_force, (LAW_2015, AMENDMENT_2019)),
    (LAW_FEB_2025.in_force, (LAW_FEB_2025,)),
    (LAW_JUNE_2025.in_force, (LAW_JUNE_2025,)),
)
FIRST_DAY = IN_FORCE[0][0]
DISTRICT_LAST_DAY = date(2025, 6, 30)  # Luật số 72/2025/QH15, Điều 51 khoản 3: districts end on 01/7/2025


def laws_in_force(day: date) -> tuple[Law, ...]:
    """The local-government laws in force on `day`; () before 01/01/2016, which this platform does not cover."""
    laws: tuple[Law, ...] = ()
    for start, cited in IN_FORCE:
        if day >= start:
            laws = cited
    return laws


def law_basis(day: date) -> str:
    """The first legal basis of the decision, without its final punctuation: "Căn cứ Luật Tổ chức chính quyền địa
    phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung … ngày 22 tháng 11 năm 2019"."""
    laws = laws_in_force(day)
    return "Căn cứ " + "; ".join(law.citation for law in laws) if laws else ""


def signing_problem(day: date | None, district: bool) -> str | None:
    """Why nobody may sign a decision of this level on `day`, in Vietnamese; None when the date is fine."""
    if day is None:
        return None
    if day < FIRST_DAY:
        return f"Ngày ký {day:%d/%m/%Y} quá sớm: nền tảng chỉ soạn quyết định ký từ ngày 01/01/2016."
    if district and day > DISTRICT_LAST_DAY:
        return (
            f"Ngày ký {day:%d/%m/%Y} không hợp lệ: cấp huyện đã kết thúc hoạt động từ ngày 01/7/2025 (Luật Tổ chức "
            "chính quyền địa phương ngày 16 tháng 6 năm 2025), nên Ủy ban nhân dân huyện không còn ký quyết định "
            "sau ngày 30/6/2025. Quyết định phê duyệt kết quả từ đó do cấp tỉnh ban hành."
        )
    return None


class SignerMode(enum.StrEnum):
    """How the People's Committee decides, chosen once: the authority line under the title, the signature block and
    the annex's "Kèm theo Quyết định … của …" all follow from it (Decree 30/2020/NĐ-CP, Phụ lục I)."""

    COMMITTEE = "committee"  # the committee decides collectively; the chairman signs for it
    CHAIRMAN = "chairman"  # the chairman decides personally
    VICE_CHAIRMAN = "vice_chairman"  # the chairman decides; a vice-chairman signs for him

    @property
    def label(self) -> str:
        return {
            "committee": "Tập thể Ủy ban nhân dân quyết định (TM. ỦY BAN NHÂN DÂN — CHỦ TỊCH ký)",
            "chairman": "Chủ tịch Ủy ban nhân dân quyết định và ký (CHỦ TỊCH)",
            "vice_chairman": "Phó Chủ tịch ký thay Chủ tịch (KT. CHỦ TỊCH — PHÓ CHỦ TỊCH)",
        }[self.value]

    def authority_line(self, issuer: str) -> str:
        """ "ỦY BAN NHÂN DÂN HUYỆN BA TƠ" (the committee) or "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN BA TƠ"."""
        issuer = " ".join(issuer.split()).upper()
        return issuer if self is SignerMode.COMMITTEE else f"CHỦ TỊCH {issuer}"

    @property
    def signature(self) -> tuple[str, str]:
        """(the line that says for whom, the signer's title): ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")."""
        return {
            "committee": ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
            "chairman": ("CHỦ TỊCH", ""),
            "vice_chairman": ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        }[self.value]

    def decided_by(self, issuer_in_text: str) -> str:
        """Who decided, as the annex's reference names it: "Ủy ban nhân dân huyện Ba Tơ" or "Chủ tịch Ủy ban …"."""
        return issuer_in_text if self is SignerMode.COMMITTEE else f"Chủ tịch {issuer_in_text}"

    @classmethod
    def of(cls, signer_authority: str) -> SignerMode:
        """The mode a signature line was written for (decisions saved before the mode was stored)."""
        text = " ".join((signer_authority or "").split()).upper()
        if text.startswith("KT."):
            return cls.VICE_CHAIRMAN
        if text == "CHỦ TỊCH":
            return cls.CHAIRMAN
        return cls.COMMITTEE
