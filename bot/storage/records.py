"""Rows of the hot reads copied into named tuples before they are read.

SQLAlchemy 2.1's Row answers `row.title` by first asking its class whether it has such an
attribute, a walk of a long class hierarchy that ends in AttributeError: some 0.8 µs an
attribute, measured here. A /tasks page turns a dozen rows of two dozen columns into `Task`s
on every press, and the scheduler turns the whole country's tasks, so reading the rows by name
cost more than running the query. A named tuple of the statement's own column names is one
copy of a row, made in C, and answers `record.title` from a slot; the code reading it is the
same.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy import Select


def record_type(statement: Select[Any], name: str) -> Any:
    """A named tuple of the columns `statement` selects, in order: `record_type(...)._make`
    turns one of its rows into a record."""
    return namedtuple(name, statement.selected_columns.keys())  # type: ignore[misc]
