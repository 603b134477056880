"""The mapping file (YAML) as pydantic models, checked against the contract before any row is
read: an unknown object or column, a required column left unmapped, an input or parameter that
does not exist is an error naming the mapping file and where in it."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sources.contract import ALL_OBJECTS, LandingObject

OBJECTS_BY_NAME: dict[str, LandingObject] = {o.name: o for o in ALL_OBJECTS}
_Scalar = str | int | float | bool | None


class MappingError(Exception):
    """The mapping file cannot be used: says which file and which entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputSpec(_Strict):
    """A source: CSV files matching a glob under the input folder, or rows written in the mapping."""

    file: str | None = None  # glob, relative to the --input folder
    encoding: str = "utf-8-sig"  # utf-8, with or without a byte-order mark
    delimiter: str = ","
    rows: list[dict[str, _Scalar]] | None = None  # constant rows (e.g. a stage picklist)

    @model_validator(mode="after")
    def _one_source(self) -> InputSpec:
        if (self.file is None) == (self.rows is None):
            raise ValueError("an input has exactly one of `file` (a glob) or `rows` (constant rows)")
        if len(self.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, got {self.delimiter!r}")
        return self


class ValueSpec(_Strict):
    """How one target column gets its value from a source row. Exactly one source:
    `column`, `const`, `param`, `template`, `hash` or `coalesce`; then, in this order, the
    modifiers: null_values, present/absent, map, date_format, number."""

    column: str | None = None  # a source column; `alias.column` for a joined input
    const: _Scalar = None
    param: str | None = None
    template: str | None = None  # Python format string over source columns and params: "{year}-{month}"
    hash: list[str] | None = None  # stable id: prefix + first 16 hex of sha1 of the columns' values
    prefix: str = ""
    coalesce: list[str | ValueSpec] | None = None  # the first non-empty of these (strings = columns)

    null_values: list[str] = Field(default_factory=list)  # source values meaning "no value"
    present: _Scalar = None  # value when the source is non-empty
    absent: _Scalar = None  # value when the source is empty
    map: dict[str, _Scalar] | None = None  # source value -> target value
    unmapped: Literal["reject", "keep", "empty"] = "reject"  # a value not in `map`
    date_format: str | None = None  # strptime pattern; the output is YYYY-MM-DD
    datetime_format: str | None = None  # strptime pattern; the output is ISO 8601 (UTC, no offset)
    number: bool = False  # parse a number ("1,234.50", "$12") and write it plain
    non_negative: bool = False  # with number: a negative value is rejected

    @model_validator(mode="after")
    def _one_source(self) -> ValueSpec:
        sources = [
            n for n in ("column", "param", "template", "hash", "coalesce") if getattr(self, n) is not None
        ]
        if "const" in self.model_fields_set:
            sources.append("const")
        if len(sources) != 1:
            raise ValueError(
                "a column value needs exactly one of column, const, param, template, hash, coalesce; "
                f"got {sources or 'none'}"
            )
        if self.date_format and self.datetime_format:
            raise ValueError("date_format and datetime_format exclude each other")
        return self

    def source_columns(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.hash is not None:
            return list(self.hash)
        if self.template is not None:
            return [f for _, f, _, _ in string.Formatter().parse(self.template) if f]
        if self.coalesce is not None:
            out: list[str] = []
            for item in self.coalesce:
                out += [item] if isinstance(item, str) else item.source_columns()
            return out
        return []

    def params_used(self) -> list[str]:
        used = [self.param] if self.param else []
        for item in self.coalesce or []:
            if isinstance(item, ValueSpec):
                used += item.params_used()
        return used


class JoinSpec(_Strict):
    """Left join: each row gets the columns of the `input` row whose `right` column equals the
    value of `left` (a value spec, so a key can be cleaned first); no match leaves them empty."""

    input: str
    alias: str | None = None  # prefix of the joined columns (default: the input's name)
    left: str | ValueSpec
    right: str

    @property
    def prefix(self) -> str:
        return self.alias or self.input


class AggregateSpec(_Strict):
    """Rows with equal `group_by` values become one: `sum` columns added up (exact decimals), the
    other columns taken from the group's first row."""

    group_by: list[str]
    sum: list[str] = Field(default_factory=list)


class WhereSpec(_Strict):
    """Keep a row only if `column` is non-empty (`not_empty: true`), empty (`empty: true`),
    and/or one of `in`."""

    column: str
    not_empty: bool = False
    empty: bool = False
    in_: list[str] | None = Field(default=None, alias="in")


class ObjectMapping(_Strict):
    object: str
    input: str
    suffix: str | None = None  # output file <Object>_<suffix>.csv (several mappings of one object)
    description: str | None = None
    where: WhereSpec | None = None
    drop_exact_duplicates: bool = False  # identical source rows are one row delivered twice
    join: list[JoinSpec] = Field(default_factory=list)
    aggregate: AggregateSpec | None = None
    distinct_on: list[str] | None = None  # keep the first row per key (after everything above)
    columns: dict[str, str | ValueSpec]

    def value_specs(self) -> dict[str, ValueSpec]:
        return {k: (ValueSpec(column=v) if isinstance(v, str) else v) for k, v in self.columns.items()}

    @property
    def contract(self) -> LandingObject:
        return OBJECTS_BY_NAME[self.object]

    @property
    def output_name(self) -> str:
        return self.object + (f"_{self.suffix}" if self.suffix else "")


class Mapping(_Strict):
    name: str
    description: str | None = None
    params: dict[str, _Scalar] = Field(default_factory=dict)
    crm_folder: str = "import"  # crm/<crm_folder>/ (a dated folder sorts exports in time); a template
    dbt_vars: dict[str, _Scalar] = Field(default_factory=dict)  # recommended for the refresh; templates
    inputs: dict[str, InputSpec]
    objects: list[ObjectMapping]


def _format_pydantic(path: Path, error: ValidationError) -> str:
    lines = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"])
        lines.append(f"  {where}: {e['msg']}")
    return f"mapping {path} is not valid:\n" + "\n".join(lines)


def _check_against_contract(path: Path, mapping: Mapping) -> list[str]:
    problems: list[str] = []
    names: set[str] = set()
    for i, om in enumerate(mapping.objects):
        where = f"objects[{i}] ({om.object})"
        if om.object not in OBJECTS_BY_NAME:
            problems.append(
                f"{where}: unknown object {om.object!r}; the contract's objects: "
                + ", ".join(sorted(OBJECTS_BY_NAME))
            )
            continue
        contract = om.contract
        by_lower = {c.lower(): c for c in contract.columns}
        for column in om.columns:
            if column not in contract.columns:
                hint = f" (did you mean {by_lower[column.lower()]}?)" if column.lower() in by_lower else ""
                problems.append(f"{where}: {om.object} has no column {column!r}{hint}")
        for column in contract.required:
            if column not in om.columns:
                problems.append(f"{where}: required column {om.object}.{column} is not mapped")
        if om.output_name in names:
            problems.append(f"{where}: two mappings write {om.output_name}.csv; give one a `suffix`")
        names.add(om.output_name)
        known_inputs = [om.input] + [j.input for j in om.join]
        for name in known_inputs:
            if name not in mapping.inputs:
                problems.append(f"{where}: unknown input {name!r}; inputs: {', '.join(mapping.inputs)}")
        for column, spec in om.value_specs().items():
            for param in spec.params_used():
                if param not in mapping.params:
                    problems.append(f"{where}.{column}: unknown parameter {param!r}")
    return problems


def load_mapping(path: Path, overrides: dict[str, str] | None = None) -> Mapping:
    """Read, validate and return a mapping; `overrides` set parameters (--param NAME=VALUE)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"mapping {path} cannot be read: {exc}") from exc
    if not isinstance(document, dict):
        raise MappingError(f"mapping {path} is not a YAML mapping (key: value) document")
    try:
        mapping = Mapping.model_validate(document)
    except ValidationError as exc:
        raise MappingError(_format_pydantic(path, exc)) from exc
    for name, value in (overrides or {}).items():
        if name not in mapping.params:
            raise MappingError(
                f"mapping {path} has no parameter {name!r} (it has: {', '.join(mapping.params)})"
            )
        mapping.params[name] = value
    problems = _check_against_contract(path, mapping)
    if problems:
        raise MappingError(f"mapping {path} does not fit the contract:\n  " + "\n  ".join(problems))
    return mapping


def render_template(template: str, values: dict[str, Any], where: str) -> str:
    """`{name}` fields filled from `values`; a missing name is a MappingError naming `where`."""
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise MappingError(
            f"{where}: template {template!r} names {exc.args[0]!r}, which is not there"
        ) from exc
