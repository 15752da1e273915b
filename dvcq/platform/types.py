"""Column types shared by every area: exact points stored as integer hundredths, enums stored by value."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer
from sqlalchemy.types import TypeDecorator

HUNDREDTH = Decimal("0.01")


class Points(TypeDecorator):
    """A score such as 85,50 kept as the integer 8550.

    Integers are exact on SQLite and PostgreSQL alike and sum exactly in SQL; Python sees Decimal with two places.
    A value with more than two decimals is refused rather than rounded.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        hundredths = value * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"Điểm {value} có quá hai chữ số thập phân")
        return int(hundredths)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(HUNDREDTH)


def enum_values(enum_class) -> list[str]:
    """For `Enum(..., values_callable=enum_values)`: store an enum's value ("xa"), not its Python name ("XA")."""
    return [member.value for member in enum_class]
