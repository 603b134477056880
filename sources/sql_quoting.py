"""Quoting for SQL text built in Python (DuckDB and PostgreSQL share the rules).

Names and values that reach SQL through string formatting (table and column names
read from landing headers, file paths, schema names) go through these two functions,
so a double quote in a header or a single quote in a path cannot break, or change,
the statement.
"""

from __future__ import annotations


def quote_identifier(identifier: str) -> str:
    """A double-quoted SQL identifier: ``a"b`` becomes ``"a""b"``."""
    return '"' + identifier.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A single-quoted SQL string literal: ``it's`` becomes ``'it''s'``."""
    return "'" + value.replace("'", "''") + "'"
