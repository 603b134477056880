{#- The Spark (dbt-spark) implementations of the project's dispatched macros, kept in one file
    so the Spark port reads as a whole. The dispatchers and their default (PostgreSQL) /
    DuckDB implementations live beside their callers (types.sql, parse_values helpers,
    dates.sql, metric_helpers.sql, percentiles_and_durations.sql, regex_full_match.sql).

    The profile pins spark.sql.session.timeZone to UTC: Spark's `timestamp` is an instant
    (like timestamp with time zone), but casts to and from text and date use the session
    zone. -#}

{#- Spark has one instant type, `timestamp` (with local time zone semantics). -#}
{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}

{#- `double precision` is not Spark SQL. -#}
{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- dbt-spark's safe_cast is a plain cast, which fails on a bad value under ANSI mode
    (Spark 4's default); try_cast gives null instead, as on DuckDB. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- rlike finds a match anywhere (Java regex), hence the anchors; Spark string literals
    unescape backslashes, so each one of the pattern is doubled. -#}
{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern | replace("\\", "\\\\") }})$')
{%- endmacro %}

{#- from_utc_timestamp shifts the instant by the zone's offset at that instant; the cast to
    date then reads it in the session zone, UTC. -#}
{% macro spark__to_reporting_date(timestamp_tz) -%}
    cast(from_utc_timestamp({{ timestamp_tz }}, '{{ var("reporting_timezone") }}') as {{ type_date() }})
{%- endmacro %}

{#- dbt-spark's dateadd repeats its argument nine times (null guards, clock component) and
    dbt's default last_day nests two dateadds, so nested month arithmetic grows the plan
    exponentially (a quarter-of-a-month-end query exhausted a 1 GB driver). Spark's own
    functions take a date and return one: add_months keeps the day and clamps it to the month's
    length, as the default does. -#}
{% macro spark__add_months(month_expression, months) -%}
    add_months(cast({{ month_expression }} as {{ type_date() }}), cast({{ months }} as int))
{%- endmacro %}

{% macro spark__month_end(date_expression) -%}
    last_day(cast({{ date_expression }} as {{ type_date() }}))
{%- endmacro %}

{#- dbt-spark's dateadd fails on a null (assert_not_null), where an empty landing has one. -#}
{% macro spark__instant_plus_days(instant, days) -%}
    timestampadd(DAY, {{ days }}, {{ instant }})
{%- endmacro %}

{#- unix_micros counts from the epoch in UTC whatever the session zone: exact elapsed time. -#}
{% macro spark__hours_between(start_instant, end_instant) -%}
    (cast(unix_micros({{ end_instant }}) - unix_micros({{ start_instant }}) as {{ type_double() }}) / 3600000000.0)
{%- endmacro %}

{#- Seeds. dbt-spark's session mode binds seed values by pasting them between quotes, unescaped
    (an apostrophe in a seed breaks the insert) and turns an empty cell into the text 'None'.
    So the values are written as SQL literals here: null, true/false, numbers as written,
    text quoted with Spark's backslash escapes. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
