"""Run a mapping: read the input files, turn each row into contract rows, write them into a
landing folder, and keep every row that could not be used with its reason.

Per object mapping, in this order: rows of the input -> `where` (rows left out are counted)
-> exact duplicates dropped (counted) -> joins -> aggregation / distinct_on (rows merged into
an earlier row are counted) -> values mapped column by column -> a row missing a required
contract column, or with a value that cannot be converted, is rejected with file, line, field,
value and reason. For each input file and object: rows read = written + rejected + skipped.
"""

from __future__ import annotations

import csv
import glob
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sources.import_output import Reconciliation, Reject, safe_name, write_csv_atomic, write_rejects
from sources.mapped_import.schema import (
    InputSpec,
    Mapping,
    MappingError,
    ObjectMapping,
    ValueSpec,
    render_template,
)

LINE = "_line"  # the physical line of the source file where a record starts (header = 1)
FILE = "_file"


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]


class RowError(Exception):
    """One value of one row cannot be converted."""

    def __init__(self, field_name: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.value = value
        self.reason = reason


@dataclass
class ObjectResult:
    mapping: ObjectMapping
    path: Path | None
    reconciliations: dict[str, Reconciliation]  # by source file
    rejects: list[Reject]

    @property
    def rows_written(self) -> int:
        return sum(r.rows_written for r in self.reconciliations.values())


@dataclass
class ImportResult:
    mapping: Mapping
    out_dir: Path
    objects: list[ObjectResult] = field(default_factory=list)
    rejects_path: Path | None = None

    @property
    def balanced(self) -> bool:
        return all(r.balanced for o in self.objects for r in o.reconciliations.values())

    @property
    def rows_rejected(self) -> int:
        return sum(len(o.rejects) for o in self.objects)

    def dbt_vars(self) -> dict[str, object]:
        return {
            k: render_template(str(v), self.mapping.params, f"dbt_vars.{k}") if isinstance(v, str) else v
            for k, v in self.mapping.dbt_vars.items()
        }

    def render(self) -> str:
        lines = [f"mapping {self.mapping.name}: landing written to {self.out_dir}"]
        for o in self.objects:
            target = o.path.relative_to(self.out_dir).as_posix() if o.path else "(no file)"
            lines.append(f"  {o.mapping.output_name} -> {target}")
            lines += [f"    {r.render()}" for r in o.reconciliations.values()]
        if self.rejects_path:
            lines.append(f"  {self.rows_rejected:,} rejected rows with their reasons: {self.rejects_path}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- reading


def _read_csv(path: Path, spec: InputSpec, display: str) -> list[Row]:
    rows: list[Row] = []
    try:
        with open(path, encoding=spec.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=spec.delimiter)
            header = next(reader, None)
            if header is None:
                raise MappingError(f"input file {display} is empty (no header row)")
            header = [h.strip() for h in header]
            line = reader.line_num + 1
            for record in reader:
                if record == [] or record == [""]:  # a blank line is no record
                    line = reader.line_num + 1
                    continue
                if len(record) != len(header):
                    raise MappingError(
                        f"input file {display}, line {line}: {len(record)} fields where the header has "
                        f"{len(header)}"
                    )
                rows.append(Row(display, line, dict(zip(header, record, strict=True))))
                line = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise MappingError(f"input file {display} is not {spec.encoding}: {exc}") from exc
    return rows


def read_input(name: str, spec: InputSpec, input_dir: Path) -> list[Row]:
    if spec.rows is not None:
        return [
            Row(f"<mapping input {name}>", i + 1, {k: "" if v is None else _scalar(v) for k, v in r.items()})
            for i, r in enumerate(spec.rows)
        ]
    assert spec.file is not None
    matches = sorted(Path(p) for p in glob.glob(str(input_dir / spec.file), recursive=True))
    if not matches:
        raise MappingError(f"input {name!r}: no file matches {spec.file!r} in {input_dir}")
    rows: list[Row] = []
    for path in matches:
        rows += _read_csv(path, spec, path.relative_to(input_dir).as_posix())
    return rows


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------- values


def stable_id(prefix: str, parts: list[str]) -> str:
    """The same key always gives the same id; an all-empty key gives no id."""
    if not any(p.strip() for p in parts):
        return ""
    digest = hashlib.sha1("\x1f".join(p.strip() for p in parts).encode("utf-8")).hexdigest()[:16]
    return prefix + digest


def parse_number(text: str) -> Decimal:
    """A number as exports write it: thousands separators, currency signs, spaces, (1.00) negative."""
    cleaned = text.strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()").lstrip("$€£¥")
    if cleaned.endswith("%"):
        raise InvalidOperation(text)
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation(text)
    return -value if negative else value


def plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class ValueMapper:
    def __init__(self, params: dict[str, object]) -> None:
        self.params = {k: _scalar(v) for k, v in params.items()}

    def value(self, spec: ValueSpec, row: dict[str, str], target: str) -> str:
        raw = self._source(spec, row, target)
        return self._modify(spec, raw, target)

    def _lookup(self, row: dict[str, str], column: str) -> str:
        if column not in row:
            raise MappingError(f"source column {column!r} does not exist (columns: {', '.join(sorted(row))})")
        return row[column] or ""

    def _source(self, spec: ValueSpec, row: dict[str, str], target: str) -> str:
        if spec.column is not None:
            return self._lookup(row, spec.column)
        if spec.param is not None:
            return self.params[spec.param]
        if spec.template is not None:
            values = {**self.params, **row}
            return render_template(spec.template, values, f"column {target}")
        if spec.hash is not None:
            return stable_id(spec.prefix, [self._lookup(row, c) for c in spec.hash])
        if spec.coalesce is not None:
            for item in spec.coalesce:
                item_spec = ValueSpec(column=item) if isinstance(item, str) else item
                value = self.value(item_spec, row, target)
                if value != "":
                    return value
            return ""
        return _scalar(spec.const)

    def _modify(self, spec: ValueSpec, raw: str, target: str) -> str:
        value = raw.strip()
        if value in spec.null_values:
            value = ""
        if "present" in spec.model_fields_set or "absent" in spec.model_fields_set:
            value = _scalar(spec.present if value else spec.absent)
        if spec.map is not None and value != "":
            if value in spec.map:
                value = _scalar(spec.map[value])
            elif spec.unmapped == "reject":
                raise RowError(target, value, f"value {value!r} is not in the mapping's value map")
            elif spec.unmapped == "empty":
                value = ""
        if value == "":
            return value
        if spec.date_format:
            try:
                return datetime.strptime(value, spec.date_format).date().isoformat()
            except ValueError as exc:
                raise RowError(target, value, f"not a date in the form {spec.date_format!r}") from exc
        if spec.datetime_format:
            try:
                return datetime.strptime(value, spec.datetime_format).strftime("%Y-%m-%dT%H:%M:%S")
            except ValueError as exc:
                raise RowError(target, value, f"not a datetime in the form {spec.datetime_format!r}") from exc
        if spec.number:
            try:
                number = parse_number(value)
            except InvalidOperation as exc:
                raise RowError(target, value, "not a number") from exc
            if spec.non_negative and number < 0:
                raise RowError(target, value, "negative where the contract wants >= 0")
            return plain_decimal(number)
        return value


# ---------------------------------------------------------------------------------- objects


def _check_columns(om: ObjectMapping, where: str, available: set[str], params: set[str]) -> None:
    missing: set[str] = set()
    for spec in om.value_specs().values():
        for column in spec.source_columns():
            if column not in available and (spec.template is None or column not in params):
                missing.add(column)
    for name in [
        *(om.aggregate.group_by + om.aggregate.sum if om.aggregate else []),
        *(om.distinct_on or []),
    ]:
        if name not in available:
            missing.add(name)
    if om.where and om.where.column not in available:
        missing.add(om.where.column)
    if missing:
        raise MappingError(
            f"{where}: source column(s) {', '.join(sorted(missing))} not found; "
            f"columns: {', '.join(sorted(available))}"
        )


def _join(
    om: ObjectMapping, rows: list[Row], inputs: dict[str, list[Row]], mapper: ValueMapper, where: str
) -> None:
    for join in om.join:
        index: dict[str, dict[str, str]] = {}
        for other in inputs[join.input]:
            key = other.values.get(join.right)
            if key is None:
                raise MappingError(f"{where}: joined input {join.input!r} has no column {join.right!r}")
            if key in index:
                raise MappingError(
                    f"{where}: joined input {join.input!r} has {join.right}={key!r} twice "
                    f"({other.file}, line {other.line}); a join key must be unique"
                )
            index[key] = other.values
        columns = list(inputs[join.input][0].values) if inputs[join.input] else []
        left = ValueSpec(column=join.left) if isinstance(join.left, str) else join.left
        for row in rows:
            match = index.get(mapper.value(left, row.values, f"join {join.input}"), {})
            for column in columns:
                row.values[f"{join.prefix}.{column}"] = match.get(column, "")


def _aggregate(
    om: ObjectMapping, rows: list[Row], recs: dict[str, Reconciliation], rejects: list[Reject]
) -> list[Row]:
    assert om.aggregate is not None
    groups: dict[tuple[str, ...], tuple[Row, dict[str, Decimal]]] = {}
    for row in rows:
        sums: dict[str, Decimal] = {}
        bad = None
        for column in om.aggregate.sum:
            text = row.values[column].strip()
            try:
                sums[column] = parse_number(text) if text else Decimal(0)
            except InvalidOperation:
                bad = Reject(row.file, row.line, column, text, "not a number (needed for a sum)")
                break
        if bad:
            rejects.append(bad)
            recs[row.file].rows_rejected += 1
            continue
        key = tuple(row.values[c].strip() for c in om.aggregate.group_by)
        if key in groups:
            first, totals = groups[key]
            for column, value in sums.items():
                totals[column] += value
            recs[row.file].skip("merged into an earlier row of their group (aggregate)")
        else:
            groups[key] = (row, sums)
    out = []
    for first, totals in groups.values():
        values = dict(first.values)
        values.update({c: plain_decimal(v) for c, v in totals.items()})
        out.append(Row(first.file, first.line, values))
    return out


def map_object(
    om: ObjectMapping, inputs: dict[str, list[Row]], mapper: ValueMapper, mapping: Mapping
) -> tuple[list[dict[str, str]], dict[str, Reconciliation], list[Reject]]:
    where = f"mapping {mapping.name}, object {om.output_name}"
    source_rows = [Row(r.file, r.line, dict(r.values)) for r in inputs[om.input]]
    recs: dict[str, Reconciliation] = {}
    for row in source_rows:
        recs.setdefault(row.file, Reconciliation(source=row.file)).rows_read += 1
    rejects: list[Reject] = []

    rows = source_rows
    if om.where and rows and om.where.column not in rows[0].values:
        raise MappingError(
            f"{where}: `where` column {om.where.column!r} not found; "
            f"columns: {', '.join(sorted(rows[0].values))}"
        )
    if om.where:
        kept = []
        for row in rows:
            value = row.values.get(om.where.column, "").strip()
            if (
                (om.where.not_empty and not value)
                or (om.where.empty and value)
                or (om.where.in_ is not None and value not in om.where.in_)
            ):
                recs[row.file].skip(f"left out by where ({om.where.column})")
            else:
                kept.append(row)
        rows = kept
    if om.drop_exact_duplicates:
        seen: set[tuple[tuple[str, str], ...]] = set()
        kept = []
        for row in rows:
            key = tuple(sorted(row.values.items()))
            if key in seen:
                recs[row.file].skip("exact duplicates of an earlier row")
            else:
                seen.add(key)
                kept.append(row)
        rows = kept
    _join(om, rows, inputs, mapper, where)
    available = set(rows[0].values) if rows else set()
    if rows:
        _check_columns(om, where, available, set(mapper.params))
    if om.aggregate:
        rows = _aggregate(om, rows, recs, rejects)
    if om.distinct_on:
        seen_keys: set[tuple[str, ...]] = set()
        kept = []
        for row in rows:
            key = tuple(row.values[c].strip() for c in om.distinct_on)
            if key in seen_keys:
                recs[row.file].skip(f"same {'+'.join(om.distinct_on)} as an earlier row (distinct_on)")
            else:
                seen_keys.add(key)
                kept.append(row)
        rows = kept

    specs = om.value_specs()
    contract = om.contract
    out: list[dict[str, str]] = []
    for row in rows:
        target: dict[str, str] = {}
        try:
            for column, spec in specs.items():
                target[column] = mapper.value(spec, row.values, column)
            for column in contract.required:
                if target.get(column, "") == "":
                    sources = ", ".join(specs[column].source_columns()) or "(constant)"
                    raise RowError(column, "", f"required {contract.name}.{column} is empty (from {sources})")
        except RowError as err:
            rejects.append(Reject(row.file, row.line, err.field, err.value, err.reason))
            recs[row.file].rows_rejected += 1
            continue
        except MappingError as exc:
            raise MappingError(f"{where}, {row.file} line {row.line}: {exc}") from exc
        out.append(target)
        recs[row.file].rows_written += 1
    return out, recs, rejects


def output_path(out_dir: Path, mapping: Mapping, om: ObjectMapping) -> Path:
    contract = om.contract
    if contract.is_crm:
        folder = render_template(mapping.crm_folder, mapping.params, "crm_folder")
        return out_dir / "crm" / folder / f"{om.output_name}.csv"
    suffix = f"_{om.suffix}" if om.suffix else ""
    return out_dir / contract.folder / f"{contract.name}_{safe_name(mapping.name)}{suffix}.csv"


def run_mapping(mapping: Mapping, input_dir: Path, out_dir: Path) -> ImportResult:
    """Convert `input_dir`'s files into contract CSVs under the landing folder `out_dir`."""
    if not input_dir.is_dir():
        raise MappingError(f"input folder {input_dir} does not exist or is not a folder")
    inputs = {name: read_input(name, spec, input_dir) for name, spec in mapping.inputs.items()}
    mapper = ValueMapper(mapping.params)
    for name, value in mapper.params.items():
        if value == "":
            used = any(
                name in s.params_used() or (s.template and "{" + name + "}" in s.template)
                for om in mapping.objects
                for s in om.value_specs().values()
            )
            if used:
                raise MappingError(
                    f"mapping {mapping.name}: parameter {name!r} has no value; pass --param {name}=..."
                )
    result = ImportResult(mapping=mapping, out_dir=out_dir)
    all_rejects: list[Reject] = []
    mapped = [(om, *map_object(om, inputs, mapper, mapping)) for om in mapping.objects]
    # Files are written only once every object mapped: a mapping error leaves no half landing.
    for om, rows, recs, rejects in mapped:
        path = output_path(out_dir, mapping, om)
        columns = list(om.columns)
        write_csv_atomic(path, columns, rows)
        result.objects.append(ObjectResult(om, path, recs, rejects))
        all_rejects += [
            Reject(r.file, r.line, f"{om.output_name}.{r.field}", r.value, r.reason) for r in rejects
        ]
    result.rejects_path = write_rejects(out_dir / "_rejects" / f"{safe_name(mapping.name)}.csv", all_rejects)
    return result
