"""Counting the SQL statements a request sends: the tests pin counts (a page's cost that does not grow with the data),
never times."""

from __future__ import annotations

from sqlalchemy import event

from dvcq.platform.extensions import db


def get_counting(client, url: str):
    """GET `url`; returns (the statements sent, the response)."""
    seen: list[str] = []

    def listener(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen, response
