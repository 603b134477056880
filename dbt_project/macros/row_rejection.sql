{#- Row-level validation of a raw table, the one place that decides which delivered rows are
    unusable (../shared/spec/sources.md: types, required values, allowed values).

    validated_rows(relation, rules, key) selects every raw row plus
      _reject_field   the contract field that failed (first failing rule wins)
      _reject_value   its value as delivered
      _reject_reason  why, in plain words
    (all null for a usable row). Staging reads only usable rows; int_rejected_rows lists the
    others. A rule is a dict: field (contract name), required, type (date, timestamp, decimal,
    rate, integer, boolean, month, currency), min, max, values (allowed, case-insensitive).
    With `key`, rows sharing a key within one file but differing in content are all rejected:
    the file contradicts itself and neither row can be trusted. -#}
{% macro validated_rows(relation, rules, key=none) -%}
    {%- set checks = [] -%}
    {#- ISO 4217 lookups are joins, not IN (subquery): Spark allows subqueries only in filters. -#}
    {%- set currency_lookups = [] -%}
    {%- for rule in rules -%}
        {%- set column = rule.field | lower -%}
        {%- set present = clean_string(column) ~ ' is not null' -%}
        {%- if rule.get('required') -%}
            {%- do checks.append((rule.field, clean_string(column) ~ ' is null', "'is required but empty'")) -%}
        {%- endif -%}
        {%- set type = rule.get('type') -%}
        {%- if type -%}
            {%- set parsed = validation_parser(type, column) -%}
            {%- do checks.append((rule.field, present ~ ' and ' ~ parsed ~ ' is null', "'" ~ validation_format(type) ~ "'")) -%}
            {%- if type == 'decimal' -%}
                {#- numeric(28, 6): more digits would be rounded or lost, never silently. -#}
                {%- do checks.append((
                    rule.field,
                    present ~ ' and not ' ~ regex_full_match('trim(' ~ column ~ ')', '[+-]?(\\d{1,22}(\\.\\d{0,6})?|\\.\\d{1,6})'),
                    "'has more digits than the warehouse keeps (22 before the point, 6 after); it would be rounded'"
                )) -%}
            {%- endif -%}
            {%- if rule.get('min') is not none -%}
                {%- do checks.append((rule.field, parsed ~ ' < ' ~ rule.min, "'must be >= " ~ rule.min ~ "'")) -%}
            {%- endif -%}
            {%- if rule.get('max') is not none -%}
                {%- do checks.append((rule.field, parsed ~ ' > ' ~ rule.max, "'must be <= " ~ rule.max ~ "'")) -%}
            {%- endif -%}
            {%- if type == 'currency' -%}
                {%- set lookup = 'iso_' ~ column -%}
                {%- do currency_lookups.append((lookup, parsed)) -%}
                {%- do checks.append((
                    rule.field,
                    parsed ~ ' is not null and ' ~ lookup ~ '.currency_code is null',
                    "'is not an ISO 4217 currency code'"
                )) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if rule.get('values') -%}
            {%- set allowed = [] -%}
            {%- for value in rule['values'] -%}{%- do allowed.append("'" ~ value | lower ~ "'") -%}{%- endfor -%}
            {%- do checks.append((
                rule.field,
                present ~ ' and lower(' ~ clean_string(column) ~ ') not in (' ~ allowed | join(', ') ~ ')',
                "'is not one of " ~ rule['values'] | join(', ') ~ "'"
            )) -%}
        {%- endif -%}
    {%- endfor %}

with

{%- set rules_hash = local_md5((checks | string) ~ (key | string) ~ build_hash()) %}
{% if is_incremental() -%}
-- The files not yet validated under these rules (see validated_rows_config). Found on the
-- two file columns first, then joined: the join's filter on _file_seq lets the scan skip
-- the row groups of earlier files, where an anti-join read every raw row.
new_files as (
    select distinct _file_seq, _loaded_at
    from {{ relation }}
    except
    select _file_seq, _loaded_at
    from {{ this }}
    where _rules_hash = '{{ rules_hash }}'
),

delivered as (
    select delivered_rows.*
    from {{ relation }} as delivered_rows
    inner join new_files
        on delivered_rows._file_seq = new_files._file_seq
        and delivered_rows._loaded_at = new_files._loaded_at
),
{%- else -%}
delivered as (
    select * from {{ relation }}
),
{%- endif %}

{% if key -%}
{%- set content_columns = [] -%}
{%- for column in adapter.get_columns_in_relation(relation) -%}
    {%- if not column.name.startswith('_') -%}{%- do content_columns.append(column.quoted) -%}{%- endif -%}
{%- endfor -%}
{%- set key_value = clean_string(key | lower) %}
-- Same key twice in one file: identical copies are harmless, differing ones contradict.
copies_in_file as (
    select
        delivered.*,
        count(*) over (partition by _file_seq, {{ key_value }}) as _key_rows_in_file,
        count(*) over (
            partition by _file_seq, {{ key_value }}
            {%- for column in content_columns %}, {{ column }}{% endfor %}
        ) as _identical_rows_in_file
    from delivered
),
{%- do checks.append((
    key,
    key_value ~ ' is not null and _key_rows_in_file > _identical_rows_in_file',
    "'appears ' || cast(_key_rows_in_file as " ~ dbt.type_string() ~ ") || ' times in this file with different content; none of them is used'"
)) %}
{%- set rows_cte = 'copies_in_file' -%}
{%- else -%}
{%- set rows_cte = 'delivered' -%}
{%- endif %}

checked as (
    select
        {{ rows_cte }}.*,
        case
            {%- for field, failed, reason in checks %}
            when {{ failed }} then {{ loop.index }}
            {%- endfor %}
        end as _reject_rule
    from {{ rows_cte }}
    {%- for lookup, parsed in currency_lookups %}
    left join {{ ref('iso_currency_codes') }} as {{ lookup }}
        on {{ parsed }} = {{ lookup }}.currency_code
    {%- endfor %}
)

select
    checked.*,
    case _reject_rule
        {%- for field, failed, reason in checks %}
        when {{ loop.index }} then '{{ field }}'
        {%- endfor %}
    end as _reject_field,
    case _reject_rule
        {%- for field, failed, reason in checks %}
        when {{ loop.index }} then {{ field | lower }}
        {%- endfor %}
    end as _reject_value,
    case _reject_rule
        {%- for field, failed, reason in checks %}
        when {{ loop.index }} then {{ reason }}
        {%- endfor %}
    end as _reject_reason,
    '{{ rules_hash }}' as _rules_hash
from checked
{%- endmacro %}

{#- The parser of a rule type: the same macros staging casts with, so "valid" and "castable"
    can never disagree. -#}
{% macro validation_parser(type, column) -%}
    {%- if type == 'date' -%}{{ return(to_date(column)) }}
    {%- elif type == 'timestamp' -%}{{ return(to_timestamp_utc(column)) }}
    {%- elif type == 'decimal' -%}{{ return(to_decimal(column)) }}
    {%- elif type == 'rate' -%}{{ return(to_rate(column)) }}
    {%- elif type == 'integer' -%}{{ return(to_integer(column)) }}
    {%- elif type == 'boolean' -%}{{ return(to_boolean(column)) }}
    {%- elif type == 'month' -%}{{ return(to_month(column)) }}
    {%- elif type == 'currency' -%}{{ return("case when " ~ regex_full_match(to_currency_code(column), '[A-Z]{3}') ~ " then " ~ to_currency_code(column) ~ " end") }}
    {%- else -%}{{ exceptions.raise_compiler_error("validated_rows: unknown rule type '" ~ type ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{% macro validation_format(type) -%}
    {{- return({
        'date': 'is not a date (expected YYYY-MM-DD)',
        'timestamp': 'is not a date-time (expected ISO 8601, e.g. 2024-03-05T14:22:10.000+0000)',
        'decimal': 'is not a number (expected a plain decimal with a dot, e.g. 1234.50)',
        'rate': 'is not a number (expected a plain decimal with a dot, e.g. 0.92)',
        'integer': 'is not a whole number',
        'boolean': 'is not a boolean (expected true/false or 1/0)',
        'month': 'is not a month (expected YYYY-MM or a date inside the month)',
        'currency': 'is not a currency code (expected three letters, e.g. USD)',
    }[type]) -}}
{%- endmacro %}

{#- The rules every CRM object shares (sources.md, "CRM objects"). -#}
{% macro crm_common_rules() -%}
    {{- return([
        {'field': 'Id', 'required': true},
        {'field': 'CreatedDate', 'required': true, 'type': 'timestamp'},
        {'field': 'LastModifiedDate', 'type': 'timestamp'},
        {'field': 'SystemModstamp', 'type': 'timestamp'},
        {'field': 'IsDeleted', 'type': 'boolean'},
    ]) -}}
{%- endmacro %}

{#- Each validated object and its validation model (staging/*/base), for the models that
    read all of them (int_rejected_rows, int_load_reconciliation). -#}
{% macro validated_objects() -%}
    {{- return([
        ('User', 'base_crm__users'),
        ('Account', 'base_crm__accounts'),
        ('Contact', 'base_crm__contacts'),
        ('Lead', 'base_crm__leads'),
        ('Opportunity', 'base_crm__opportunities'),
        ('OpportunityHistory', 'base_crm__opportunity_history'),
        ('OpportunityStage', 'base_crm__opportunity_stages'),
        ('Campaign', 'base_crm__campaigns'),
        ('Task', 'base_crm__tasks'),
        ('Event', 'base_crm__events'),
        ('Territory2', 'base_crm__territories'),
        ('UserTerritory2Association', 'base_crm__user_territories'),
        ('ObjectTerritory2Association', 'base_crm__account_territories'),
        ('DatedConversionRate', 'base_crm__dated_conversion_rates'),
        ('ad_spend', 'base_marketing__ad_spend'),
        ('sm_expenses', 'base_finance__sm_expenses'),
        ('quotas', 'base_plan__quotas'),
    ]) -}}
{%- endmacro %}

{#- How a base (validation) model is kept: incremental by file. The loader appends new files
    to raw and never changes a loaded one, so a nightly run validates only the rows of the
    files this table has not seen. A file counts as seen when the same (_file_seq, _loaded_at)
    was validated under the same rules (_rules_hash, see validated_rows: the checks, the key
    and build_hash, which covers the model's SQL and the macros it calls): a full reload
    (new _loaded_at everywhere) or a change of the rules re-validates every file, and
    delete+insert on _file_seq replaces that file's old rows. The post-hook drops the rows of
    files raw no longer holds (a full reload of fewer files). So the table always equals a
    full rebuild, with or without --full-refresh. Spark (no delete+insert on plain tables)
    rebuilds the table. -#}
{% macro validated_rows_config(source_name, table_name) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': '_file_seq',
        'on_schema_change': 'append_new_columns',
        'post_hook': "{{ delete_files_not_in(source('" ~ source_name ~ "', '" ~ table_name ~ "')) }}",
    }) }}
{%- endmacro %}

{% macro delete_files_not_in(relation) -%}
    delete from {{ this }}
    where _file_seq not in (select distinct _file_seq from {{ relation }})
{%- endmacro %}
