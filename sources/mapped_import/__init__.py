"""Mapped imports: a declarative YAML mapping turns CSV exports into contract objects."""

from sources.mapped_import.engine import ImportResult, run_mapping
from sources.mapped_import.schema import Mapping, MappingError, load_mapping

__all__ = ["ImportResult", "Mapping", "MappingError", "load_mapping", "run_mapping"]
