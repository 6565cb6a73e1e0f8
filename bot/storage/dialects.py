"""The one place that knows which SQL dialects we run on, for statements that differ."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

# Both offer INSERT ... ON CONFLICT, which plain SQLAlchemy insert() does not.
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def dialect_of(session: AsyncSession) -> str:
    bind = session.bind
    return bind.dialect.name if bind is not None else "?"


def upsert_insert(session: AsyncSession) -> Any:
    """The dialect's insert(), which has on_conflict_do_nothing/do_update."""
    dialect = dialect_of(session)
    try:
        return _INSERTS[dialect]
    except KeyError:
        raise NotImplementedError(f"the {dialect} database is not supported") from None
