-- The reporting tree of the (non-deleted) users: one row per manager and every user below
-- them, directly (the user's ManagerId) or indirectly (a report of a report, any depth).
-- Current reporting lines only (User has no history). A cycle in ManagerId cannot loop: each
-- chain carries the users it went through (`path`) and never steps onto one of them again, and
-- a user is never listed as their own report. (UNION ALL with a path guard, not UNION: Spark's
-- recursive CTEs take UNION ALL only. Everyone has at most one manager, so a pair is reached
-- along one chain only and nothing is found twice.)

with recursive

reporting_lines as (
    select rep_id, manager_id
    from {{ ref('dim_reps') }}
    where manager_id is not null
        and manager_id <> rep_id
),

tree as (
    select
        manager_id,
        rep_id,
        '|' || manager_id || '|' || rep_id || '|' as path
    from reporting_lines

    union all

    select
        tree.manager_id,
        reporting_lines.rep_id,
        tree.path || reporting_lines.rep_id || '|' as path
    from tree
    inner join reporting_lines
        on tree.rep_id = reporting_lines.manager_id
    where {{ dbt.position("'|' || reporting_lines.rep_id || '|'", 'tree.path') }} = 0
)

select
    tree.manager_id,
    tree.rep_id,
    reporting_lines.manager_id = tree.manager_id as is_direct_report
from tree
inner join reporting_lines
    on tree.rep_id = reporting_lines.rep_id
where tree.manager_id <> tree.rep_id
