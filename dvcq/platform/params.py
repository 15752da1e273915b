"""Numbers read from a request, never a 500: an id in the path that no row can have answers 404 like a missing one
(IdConverter), a malformed query or form field 400 with a Vietnamese message naming it (`integer`, IdField), and a
hidden field whose bad value has its own answer — a stale version, an unknown id — reads as such (`whole`). Ids are
`integer` columns, signed 32-bit on PostgreSQL (a larger value is refused by the database before any row is looked
at: "integer out of range"), and Python's int() refuses text of more than 4,300 digits."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import IntegerField
from wtforms.validators import NumberRange

from dvcq.platform.errors import ServiceError

ID_MAX = 2**31 - 1  # the largest value of PostgreSQL's `integer`, the type of every id a route or form names
_DIGITS = len(str(ID_MAX))
_READABLE = 20  # digits a field may have and still be read as a number (then checked against its range)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route (the chassis installs it as the «int» converter): a non-negative integer that fits an
    id column (ID_MAX); anything else does not match the route, so it answers 404 like a missing id."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):  # noqa: A002 — Werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str):
        if len(value) > _DIGITS:
            raise ValidationError()
        return super().to_python(value)


class BadParameter(ServiceError):
    status = 400


def whole(value, default=None):
    """`value` as an id-sized whole number (0 … ID_MAX) if it is written as one, else `default`: for hidden fields whose
    bad value has its own answer — a version that is not one conflicts like a stale one, an unknown id is missing."""
    text = "" if value is None else str(value).strip()
    if not text.isdecimal() or len(text) > _DIGITS:
        return default
    number = int(text)
    return number if number <= ID_MAX else default


def integer(value, label: str, *, minimum: int = 0, maximum: int = ID_MAX) -> int | None:
    """A form or query field as an int: None when empty; BadParameter (400, naming the field) when it is not a whole
    number between `minimum` and `maximum`."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if len(text) > _READABLE + 1 or not text.removeprefix("-").isdecimal():
        raise BadParameter(f"«{label}» phải là một số nguyên.")
    number = int(text)
    if not minimum <= number <= maximum:
        if maximum == ID_MAX:
            raise BadParameter(f"«{label}» không hợp lệ.")
        raise BadParameter(f"«{label}» phải là số nguyên từ {minimum} đến {maximum}.")
    return number


class IdField(IntegerField):
    """A form's id field: a whole number that fits an id column, or the field is invalid (never a database error)."""

    def __init__(self, label=None, validators=None, **kwargs):
        bounds = NumberRange(0, ID_MAX, "Mã không hợp lệ.")
        super().__init__(label, [*(validators or []), bounds], **kwargs)
