"""Many rows into one table at once, as fast as the database allows: PostgreSQL's COPY, elsewhere one executemany.

For the few places that write thousands of rows in one go (a national campaign's 3,321 results). The rows bypass the
ORM, so neither the tenancy guard's write check nor flush listeners see them: the caller vouches that every row is in
its scope and may be written. Database triggers (the publication freeze) do fire, for COPY as for INSERT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping]) -> None:
    """Insert `rows` (dicts with the same keys, values as the ORM takes them: Decimal points, enums, datetimes) into
    `table`, in the session's transaction. A column left out takes its default: the database's, or a constant
    Python-side default filled in here (COPY cannot apply it); a column whose Python-side default is a function must
    be given."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    filled = {}
    for column in table.c:
        if column.name in rows[0] or column.default is None:
            continue
        if not column.default.is_scalar:
            # COPY applies no Python-side default (an INSERT through SQLAlchemy would): name the value in the rows.
            raise ValueError(f"insert_rows: {table.name}.{column.name} has a computed default; give it in the rows")
        filled[column.name] = column.default.arg
    if filled:
        rows = [{**row, **filled} for row in rows]
    columns = list(rows[0])
    processors = [table.c[name].type.bind_processor(connection.dialect) for name in columns]
    quote = connection.dialect.identifier_preparer
    statement = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(n) for n in columns)}) FROM STDIN"
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([p(row[n]) if p else row[n] for n, p in zip(columns, processors, strict=True)])
    except dbapi.Error as exc:  # the same exceptions as an INSERT would raise (IntegrityError, DataError…)
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc
    finally:
        cursor.close()
