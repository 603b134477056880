{#- Incremental month-end pipeline states (int_pipeline_month_end_state and
    int_pipeline_month_end_status): one row per opportunity and month of the range, tens of
    millions at a large company, of which a nightly run changes few.

    A state row is a function of (a) its opportunity's history rows (int_opportunity_history:
    dates, stage, amount in the reporting currency, flags), (b) its month's cutoff, (c) whether
    the landing holds any history, (d) the model's SQL and the project's vars. Each row stores
    what it was built from: (a) as _inputs_hash, the opportunity's fingerprint in
    int_opportunity_state_inputs (a new history row, a new rate, a changed stage definition all
    change it); (b) as month and is_as_of_month; (c) as has_opportunity_history; (d) as
    _build_hash. A build first deletes every row whose inputs changed (pre-hook
    delete_outdated_month_end_states): rows of opportunities whose fingerprint changed or is
    gone, months that left the range, the rows of a month that became or stopped being the
    as-of month, the as-of month's 'current' rows (an opportunity without history, taken as
    it is now), and everything when (c) or (d) changed. The as-of month's cutoff is the as-of
    date, which moves every night: a state at one cutoff holds at another unless the deal has
    a history row dated in between, so when the as-of date moves within its month the rows
    of exactly those deals are deleted (every month of them), and the other as-of rows are
    stamped with the new cutoff (_cutoff_date, pre-hook confirm_as_of_month_states). It then
    builds exactly what is missing: every month of the opportunities with no row left, and
    every opportunity in the months with no row left. So the table always ends as a full build
    leaves it (tests/test_incremental_build.py), whatever changed, and a build that fails
    after the delete is mended by the next one (what was deleted is missing, so it is built).

    int_pipeline_month_end_status follows the states row for row: a state row (re)built in a
    run carries that run's _built_at, and the status replaces its rows of the state rows whose
    _built_at it holds no row of, and drops rows whose state is gone.
    The publish follows fct_pipeline_month_end (a view of the states) into the serving file the
    same way (orchestration/followed_marts.py). Both rely on the states only deleting and
    inserting rows, each insert stamped: an update of a column the view reads would go unseen
    (the _cutoff_date stamp is not one).

    On other engines than DuckDB both stay plain tables (the incremental path is tested on
    DuckDB only). -#}

{% macro month_end_states_incremental_enabled() -%}
    {{ return(target.type == 'duckdb') }}
{%- endmacro %}

{#- What else than its inputs a derived row depends on: the SQL of the model and of the models
    it reads, the macros they call (and the macros those call), and the project's vars. Rows
    built under another value are rebuilt. as_of_date is not one: it moves the month spine,
    which the states follow month by month. The parents' SQL counts because an edit there (how
    a rate is looked up, which deals exist) changes rows without changing the values the
    bookkeeping compares; a macro counts for the same reason (a flag's CASE, a cast).

    The nodes are read from `graph`, the manifest as parsed, not from `model`: dbt adds to
    `model.depends_on.macros` the macros a node calls while it executes, so a hash taken while
    the model renders and one taken in its next pre-hook differed (the conversions were rebuilt
    whole every night). What parsing records misses the macros a node calls only in an
    `is_incremental()` or `execute` branch, so the names called in its code count too. -#}
{% macro build_hash() -%}
    {%- set vars_used = {} -%}
    {%- for name in [
        'reporting_currency', 'reporting_timezone', 'existing_business_types',
        'gross_margin', 'max_lifetime_months', 'default_contract_term_months',
        'high_probability_threshold', 'subpar_attainment_threshold',
        'outstanding_attainment_threshold'
    ] -%}
        {%- do vars_used.update({name: var(name)}) -%}
    {%- endfor -%}
    {%- set sql = [model.raw_code] -%}
    {%- if execute -%}
        {#- A unit test has no graph, and its hash is never stored -#}
        {%- set nodes = graph.get('nodes', {}) -%}
        {%- set node = nodes.get(model.unique_id, model) -%}
        {%- set macro_ids = node.depends_on.macros + macros_named_in(node.raw_code) -%}
        {%- for parent in node.depends_on.nodes | sort -%}
            {%- if parent in nodes -%}
                {%- do sql.append(nodes[parent].raw_code) -%}
                {%- do macro_ids.extend(nodes[parent].depends_on.macros) -%}
                {%- do macro_ids.extend(macros_named_in(nodes[parent].raw_code)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do sql.extend(macro_sources(macro_ids)) -%}
    {%- endif -%}
    {{ return(local_md5(sql | join('\n') ~ tojson(vars_used, sort_keys=true))) }}
{%- endmacro %}

{#- The ids of the project's and dbt's macros whose names are called in `code` (a name followed
    by an opening parenthesis; an SQL function of the same name as a macro counts too). -#}
{% macro macros_named_in(code) -%}
    {%- set ids = [] -%}
    {%- for name in modules.re.findall('([A-Za-z_][A-Za-z0-9_]*)\\s*\\(', code) | unique -%}
        {%- for namespace in [context.get(project_name) or {}, context['dbt']] -%}
            {%- set macro = parsed_macro(namespace, name) -%}
            {%- if macro is not none -%}
                {%- do ids.append(macro.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}

{#- The source of each macro in `macro_ids` and of every macro they call, in the order of their
    ids. A dispatched macro lists the implementation dbt resolved for this adapter. dbt's graph
    holds no macros; a macro's name in the context resolves to its parsed node. -#}
{% macro macro_sources(macro_ids) -%}
    {%- set queue = macro_ids | list -%}
    {%- set found = {} -%}
    {#- The loop also visits the ids appended while it runs: Jinja iterates the list lazily. -#}
    {%- for macro_id in queue if macro_id not in found -%}
        {%- set package, name = macro_id.split('.')[1:3] -%}
        {#- dbt's own and the adapter's macros share the namespace `dbt`; a package has its own -#}
        {%- set macro = parsed_macro(context.get(package) or context['dbt'], name) -%}
        {%- if macro is not none -%}
            {%- do found.update({macro_id: macro.macro_sql}) -%}
            {%- do queue.extend(macro.depends_on.macros) -%}
        {%- else -%}
            {%- do found.update({macro_id: macro_id}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set sources = [] -%}
    {%- for macro_id in found | sort -%}
        {%- do sources.append(found[macro_id]) -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}

{#- The parsed macro called `name` in `namespace` (a package's or dbt's), or none: a name
    there may also be a context function or a variable. -#}
{% macro parsed_macro(namespace, name) -%}
    {%- set called = namespace.get(name) -%}
    {{ return(called.macro if called is not none and called.macro is defined else none) }}
{%- endmacro %}

{#- The dbt invocation's start, stamped on the rows a build (re)writes. -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- One hash of a set of rows (a group): equal sets give equal hashes, whatever their order. -#}
{% macro row_set_hash(columns) -%}
    {{ return(adapter.dispatch('row_set_hash', 'salesops')(columns)) }}
{%- endmacro %}

{% macro duckdb__row_set_hash(columns) -%}
    bit_xor(hash({{ columns | join(', ') }}))
{%- endmacro %}

{% macro default__row_set_hash(columns) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
    {%- endfor -%}
    {%- set row -%}concat_ws('|', {{ fields | join(', ') }}){%- endset -%}
    md5(string_agg({{ row }}, ';' order by {{ row }}))
{%- endmacro %}

{% macro spark__row_set_hash(columns) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append("coalesce(cast(" ~ column ~ " as string), '~')") -%}
    {%- endfor -%}
    md5(array_join(array_sort(collect_list(concat_ws('|', {{ fields | join(', ') }}))), ';'))
{%- endmacro %}

{#- A model whose pre-hooks delete what changed and that then appends what is missing (the
    states, the stage spells, the first activities, the pipeline movements); a plain table on
    other engines. The hooks run in the build's transaction; the last one refuses a key
    written twice (macros/duplicate_key_guard.sql). -#}
{% macro rebuild_what_changed_config(key, pre_hooks, post_hooks=[]) -%}
    {%- if not month_end_states_incremental_enabled() -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'sync_all_columns',
        'pre_hook': pre_hooks,
        'post_hook': post_hooks + [refuse_duplicate_keys_hook(key)],
    }) }}
{%- endmacro %}

{% macro month_end_states_config() -%}
    {{ return(rebuild_what_changed_config(['month', 'opportunity_id'], [
        "{{ delete_outdated_month_end_states() }}",
        "{{ confirm_as_of_month_states() }}",
    ])) }}
{%- endmacro %}

{#- Whether this model's table has a column (the bookkeeping columns came with later
    versions of the models). -#}
{% macro this_has_column(name) -%}
    {{ return(this_has_columns([name])) }}
{%- endmacro %}

{% macro this_has_columns(names) -%}
    {%- set held = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {{ return(names | reject('in', held) | list | length == 0) }}
{%- endmacro %}

{#- Whether the table was built by this version of the model: it has the bookkeeping columns
    and every row was built by the same SQL and vars. Otherwise every row is rebuilt (after an
    upgrade from a version without the columns, or a change of the SQL or vars; the columns
    then follow the SQL: on_schema_change sync_all_columns). -#}
{% macro built_by_this_version() -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- if not this_has_column('_build_hash') -%}{{ return(false) }}{%- endif -%}
    {%- set other_builds = run_query(
        "select 1 from " ~ this ~ " where _build_hash <> '" ~ build_hash() ~ "' limit 1"
    ) -%}
    {{ return(other_builds.rows | length == 0) }}
{%- endmacro %}

{% macro delete_outdated_month_end_states() -%}
    {%- if is_incremental() -%}
    {%- set spine = ref('int_month_spine') -%}
    delete from {{ this }}
    {%- if built_by_this_version() %}
    -- the row's month left the range, or became or stopped being the as-of month
    where not exists (
            select 1
            from {{ spine }} as spine
            where spine.is_in_range
                and spine.month = {{ this }}.month
                and spine.is_as_of_month = {{ this }}.is_as_of_month
        )
        or state_source = 'current'
        or has_opportunity_history is distinct from (
            select has_opportunity_history from {{ ref('int_reporting_calendar') }}
        )
        or {{ opportunity_fingerprint_changed() }}
        -- the as-of date moved within its month: deals with history dated in between
        or opportunity_id in ({{ opportunities_with_history_dated_between(
            "select least(held.cutoff_date, as_of.cutoff_date) as earliest,
                greatest(held.cutoff_date, as_of.cutoff_date) as latest
            from (
                select max(month) as month, max(_cutoff_date) as cutoff_date
                from " ~ this ~ "
                where is_as_of_month
            ) as held
            inner join (
                select month, month_cutoff_date as cutoff_date
                from " ~ spine ~ "
                where is_as_of_month
            ) as as_of
                on held.month = as_of.month"
        ) }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- A where-clause term on a table with _inputs_hash per opportunity row: the opportunity's
    fingerprint (int_opportunity_state_inputs) is no longer the one the row was built from,
    or the opportunity has no history left. -#}
{% macro opportunity_fingerprint_changed() -%}
    not exists (
        select 1
        from {{ ref('int_opportunity_state_inputs') }} as inputs
        where inputs.opportunity_id = {{ this }}.opportunity_id
            and inputs.inputs_hash = {{ this }}._inputs_hash
    )
{%- endmacro %}

{#- The opportunities with history (int_opportunity_state_inputs: one row per such deal) that
    this table holds no row of: few on a nightly run. A model filters the history by this
    small set rather than probing every history row against every row held (the states and
    the stage spells: ~2 s and ~1.5 s less at 1M opportunities). `held_opportunities` names a
    relation of the distinct deals held when the model has one; the Ids are made distinct
    first either way (a `not in` over the 17.6M state rows themselves took 5 s). -#}
{% macro opportunities_with_history_not_held(held_opportunities=none) -%}
    select inputs.opportunity_id
    from {{ ref('int_opportunity_state_inputs') }} as inputs
    where inputs.opportunity_id not in (
        {%- if held_opportunities is none %}
        select distinct held.opportunity_id from {{ this }} as held
        {%- else %}
        select opportunity_id from {{ held_opportunities }}
        {%- endif %}
    )
{%- endmacro %}

{#- The opportunities with a history row dated in (earliest, latest], the one-row result of
    `bounds_query` (none when it has no row). -#}
{% macro opportunities_with_history_dated_between(bounds_query) -%}
    select history.opportunity_id
    from {{ ref('int_opportunity_history') }} as history
    cross join ({{ bounds_query }}) as bounds
    where history.created_date > bounds.earliest
        and history.created_date <= bounds.latest
{%- endmacro %}

{#- After the delete, the as-of month's rows left hold at the new as-of date (their deals have
    no history dated in between): stamp them with it. -#}
{% macro confirm_as_of_month_states() -%}
    {#- A table from before _cutoff_date has had every row deleted (built_by_this_version). -#}
    {%- if is_incremental() and this_has_column('_cutoff_date') and built_by_this_version() -%}
    update {{ this }}
    set _cutoff_date = (select month_cutoff_date from {{ ref('int_month_spine') }} where is_as_of_month)
    where is_as_of_month
    {%- endif -%}
{%- endmacro %}

{#- For a model that follows int_pipeline_month_end_state row for row (the status): the state
    rows of builds it has not followed replace its rows of the same key (delete+insert). -#}
{% macro month_end_state_followers_config() -%}
    {%- if not month_end_states_incremental_enabled() -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {%- set key = ['month', 'opportunity_id'] -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': key,
        'on_schema_change': 'sync_all_columns',
        'post_hook': [
            "{{ delete_rows_of_vanished_states() }}",
            refuse_duplicate_keys_hook(key),
        ],
    }) }}
{%- endmacro %}

{#- A filter on the states (aliased `states`, append to a where clause): the rows of state
    builds this table holds no row of (compared as values, not in time order, so a clock set
    back does no harm); every row when this table was not built by this version
    (built_by_this_version). -#}
{% macro only_states_built_after_this() -%}
    {%- if execute and is_incremental() and month_end_states_incremental_enabled() -%}
    {%- if built_by_this_version() %}
    -- state rows of builds this table has not followed (macros/incremental_month_end_states.sql)
    and states._built_at not in (select distinct _state_built_at from {{ this }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Rows whose state row is gone (an opportunity deleted, a month out of range, an
    opportunity that no longer existed then). The anti-join over every row runs only when
    the row counts disagree. -#}
{% macro delete_rows_of_vanished_states() -%}
    {%- if execute and is_incremental() -%}
    {%- set states = ref('int_pipeline_month_end_state') -%}
    {%- set counts = run_query(
        'select (select count(*) from ' ~ this ~ ') - (select count(*) from ' ~ states ~ ')'
    ) -%}
    {%- if counts.rows[0][0] != 0 -%}
    delete from {{ this }}
    where not exists (
        select 1
        from {{ states }} as states
        where states.month = {{ this }}.month
            and states.opportunity_id = {{ this }}.opportunity_id
    )
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
