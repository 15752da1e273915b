"""Points as exact two-place decimals: checking, parsing, formatting (decimal comma) and step rules."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DEFAULT_STEP = Decimal("0.25")

METHOD_RANGE = "khoang"  # khoảng: any value from 0 to max in multiples of the step
METHOD_YES_NO = "co_khong"  # có/không: 0 or max
METHOD_DEDUCT = "tru_diem"  # trừ điểm: max minus deductions in multiples of the step
METHODS = (METHOD_RANGE, METHOD_YES_NO, METHOD_DEDUCT)

_NUMBER = re.compile(r"([+-]?[0-9]+)(?:[.,]([0-9]+))?")


# Points already checked, by value: scores and totals take few distinct values (multiples of 0,25 up to 100), and a
# national campaign checks ~10⁵ of them. Bounded; only exact two-place results are kept, so a hit is always right.
_EXACT: dict[Decimal, Decimal] = {}
_EXACT_SIZE = 50_000


def to_points(value: Decimal | int, what: str = "Điểm") -> Decimal:
    """Return ``value`` as a Decimal with exactly two places.

    Accepts Decimal and int; refuses float (TypeError), NaN/Infinity and values finer than 0.01 (ValueError,
    with ``what`` naming the value in the message).
    """
    if type(value) is Decimal:  # the common case, checked first: totalling a national campaign calls this ~10⁵ times
        if value.is_finite():
            known = _EXACT.get(value)
            if known is not None:
                return known
        number = value
    elif isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what}: points must be Decimal (or int), not {type(value).__name__}")
    else:
        number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} không phải là một số hữu hạn")
    try:
        exact = number.quantize(CENT)
    except InvalidOperation as exc:
        raise ValueError(f"{what} quá lớn") from exc
    if exact != number:
        raise ValueError(f"{what} có quá 2 chữ số thập phân ({number})")
    exact = exact if exact != 0 else ZERO
    if len(_EXACT) < _EXACT_SIZE:
        _EXACT[exact] = exact  # equal Decimals hash alike, so 8.5 and 8.50 both find 8.50
    return exact


def format_points(value: Decimal | int) -> str:
    """Format points with two decimals and a decimal comma: ``85,50``, ``-1,25``, ``100,00`` (half up)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"points must be Decimal (or int), not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("Điểm không phải là một số hữu hạn")
    rounded = number.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = ZERO  # never "-0,00"
    return f"{rounded:.2f}".replace(".", ",")


def parse_points(text: str) -> Decimal:
    """Read points typed by a user: ``"85,5"``, ``"85.50"``, ``" 97 "`` → Decimal with two places.

    Either separator is the decimal mark; at most two decimals (so ``"1.000"`` is refused, not read as 1).
    Raises ValueError with a Vietnamese message for anything else.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise ValueError("Chưa nhập điểm")
    match = _NUMBER.fullmatch(stripped)
    if match is None:
        raise ValueError(f"“{stripped}” không phải là số điểm hợp lệ")
    if match.group(2) is not None and len(match.group(2)) > 2:
        raise ValueError(f"“{stripped}” có quá 2 chữ số thập phân")
    try:
        return to_points(Decimal(stripped.replace(",", ".")))
    except ValueError as exc:
        raise ValueError(f"“{stripped}” không phải là số điểm hợp lệ") from exc


def check_step(
    value: Decimal | int,
    max_points: Decimal | int,
    step: Decimal | int | None = None,
    method: str = METHOD_RANGE,
) -> Decimal:
    """Validate one leaf score against its maximum, step and scoring method; return it with two places.

    ``khoang``: 0..max in multiples of ``step`` (default 0,25; the maximum itself is always allowed).
    ``co_khong``: exactly 0 or max. ``tru_diem``: max minus a multiple of ``step`` (0 is always allowed).
    Raises ValueError with a Vietnamese message naming the value and the limit.
    """
    score = to_points(value, "Điểm")
    limit = to_points(max_points, "Điểm tối đa")
    unit = DEFAULT_STEP if step is None else to_points(step, "Bước điểm")
    if method not in METHODS:
        raise ValueError(f"Cách chấm “{method}” không hợp lệ (chỉ nhận: {', '.join(METHODS)})")
    if unit <= 0:
        raise ValueError(f"Bước điểm phải lớn hơn 0 (đang là {format_points(unit)})")
    if limit < 0:
        raise ValueError(f"Điểm tối đa không được âm ({format_points(limit)})")
    shown, shown_limit = format_points(score), format_points(limit)
    if score < 0:
        raise ValueError(f"Điểm {shown} không được âm (từ 0,00 đến {shown_limit})")
    if score > limit:
        raise ValueError(f"Điểm {shown} vượt quá điểm tối đa {shown_limit}")
    if method == METHOD_YES_NO:
        if score not in (ZERO, limit):
            raise ValueError(f"Tiêu chí chấm có/không chỉ nhận 0,00 hoặc {shown_limit}, không nhận {shown}")
    elif method == METHOD_RANGE:
        if score != limit and score % unit != 0:
            raise ValueError(
                f"Điểm {shown} không hợp lệ: phải là bội số của bước điểm {format_points(unit)} "
                f"(từ 0,00 đến {shown_limit})"
            )
    elif score != 0 and (limit - score) % unit != 0:
        raise ValueError(
            f"Điểm {shown} không hợp lệ: điểm trừ {format_points(limit - score)} phải là bội số của "
            f"bước điểm {format_points(unit)} (điểm tối đa {shown_limit})"
        )
    return score


def check_score(
    value: str | Decimal | int,
    max_points: Decimal | int,
    step: Decimal | int | None = None,
    method: str | None = None,
) -> Decimal:
    """A score submitted for one leaf — typed by a user (``"2,5"``) or already a number — checked against the leaf's
    maximum, step and method (khoảng when the leaf names none): the one check behind self-assessment, appraisal and
    the explanation round. Raises ValueError with a Vietnamese message."""
    try:
        points = parse_points(value) if isinstance(value, str) else value
        return check_step(points, max_points, step, method or METHOD_RANGE)
    except TypeError as err:
        raise ValueError(str(err)) from None


def format_rank(rank: int, of: int) -> str:
    """``rank/of`` padded with zeros to the width of ``of`` (min. 2): ``02/19``, ``01/01``, ``007/120``."""
    width = max(2, len(str(of)))
    return f"{rank:0{width}d}/{of:0{width}d}"
