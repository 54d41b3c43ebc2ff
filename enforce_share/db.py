"""Database plumbing: the typed declarative base, engines for SQLite and PostgreSQL, migrations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

#: Integer primary keys that autoincrement on both databases (SQLite needs INTEGER for rowid).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING)


class Storage(Protocol):
    """A node as its database: its agency and its sessions (``node.Node`` is one). What the
    modules the Node is built from (sync, demo loading) take, rather than the Node itself."""

    @property
    def agency(self) -> str:
        """The agency whose node this is."""
        ...

    def reading(self) -> AbstractContextManager[Session]:
        """A read-only session."""
        ...

    def transaction(self) -> AbstractContextManager[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        ...


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (each a dict of the same columns) into ``table`` in one go.

    On PostgreSQL by COPY: executemany sends a statement per row, which made PostgreSQL
    nodes catch up at two thirds of SQLite's pace; elsewhere by one executemany.
    """
    if not rows:
        return
    if connection.dialect.name == "sqlite" and _plain(table):
        _sqlite_insert(connection, table, rows)
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    as_json = [isinstance(table.c[column].type, JSON) for column in columns]
    quote = connection.dialect.identifier_preparer.quote
    statement = (f"COPY {quote(table.name)} ({', '.join(quote(column) for column in columns)})"
                 " FROM STDIN")
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[column]) if encode and row[column] is not None
                            else row[column]
                            for column, encode in zip(columns, as_json, strict=True)])


#: Column types the sqlite3 driver stores as SQLAlchemy would, given the Python value as is.
_NATIVE = (String, Integer, Boolean, LargeBinary)


def _plain(table: Table) -> bool:
    """Whether every column of ``table`` is JSON or of a type the driver takes as is."""
    return all(isinstance(column.type, (*_NATIVE, JSON)) for column in table.columns)


def _sqlite_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
                   ) -> None:
    """One executemany of plain tuples through the driver: SQLAlchemy's per-row parameter
    processing cost about 10 us a row, a third of storing a synced record. What SQLAlchemy
    would add is added here: a column's scalar default where a row leaves it out, JSON
    written with ``json.dumps`` (None as ``null``, as the JSON type does)."""
    given = list(rows[0])
    defaults = [(column.key, column.default.arg) for column in table.columns
                if column.key not in rows[0] and column.default is not None
                and column.default.is_scalar]
    as_json = [isinstance(table.c[key].type, JSON) for key in given]
    quote = connection.dialect.identifier_preparer.quote
    names = [*given, *(key for key, _ in defaults)]
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)})"
                 f" VALUES ({', '.join('?' * len(names))})")
    fixed = tuple(value for _, value in defaults)
    connection.exec_driver_sql(statement, [
        (*(json.dumps(row[key]) if encode else row[key]
           for key, encode in zip(given, as_json, strict=True)), *fixed) for row in rows])


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (the only way tables are created)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    script_location = resources.files("enforce_share") / "migrations"
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(script_location))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size`` (rows per transaction, ids per ``IN`` list)."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
