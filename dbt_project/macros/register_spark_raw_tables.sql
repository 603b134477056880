{#- Spark only: database `raw` becomes exactly the given Parquet tables (external, so dropping
    them leaves the files), then each is counted back against the rows exported.
    Called by sources/spark_raw.py (`dbt run-operation register_spark_raw_tables`) with
    tables = [{name, location, columns: [[name, spark type], ...], rows}, ...]. -#}
{% macro register_spark_raw_tables(tables, schema='raw') %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error("register_spark_raw_tables is for a Spark target, not " ~ target.type) }}
    {%- endif -%}
    {%- do run_query('drop database if exists ' ~ schema ~ ' cascade') -%}
    {%- do run_query('create database ' ~ schema) -%}
    {%- for table in tables -%}
        {%- set relation = schema ~ '.' ~ adapter.quote(table['name']) -%}
        {%- set columns = [] -%}
        {%- for column in table['columns'] -%}
            {%- do columns.append(adapter.quote(column[0]) ~ ' ' ~ column[1]) -%}
        {%- endfor -%}
        {%- do run_query(
            'create table ' ~ relation ~ ' (' ~ columns | join(', ') ~ ') using parquet'
            ~ " location '" ~ table['location'] ~ "'"
        ) -%}
        {%- set counted = run_query('select count(*) from ' ~ relation).columns[0].values()[0] -%}
        {%- if counted != table['rows'] -%}
            {{ exceptions.raise_compiler_error(
                relation ~ ': Spark reads ' ~ counted ~ ' rows from ' ~ table['location']
                ~ ', ' ~ table['rows'] ~ ' were exported') }}
        {%- endif -%}
        {{ log(relation ~ ': ' ~ counted ~ ' rows', info=true) }}
    {%- endfor -%}
{% endmacro %}
