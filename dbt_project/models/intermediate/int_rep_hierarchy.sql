-- The reporting tree of the (non-deleted) users: one row per manager and every user below
-- them, directly (the user's ManagerId) or indirectly (a report of a report, any depth).
-- Current reporting lines only (User has no history). A cycle in ManagerId cannot loop: the
-- recursion uses UNION (a pair already found is not expanded again), and a user is never
-- listed as their own report.

with recursive

reporting_lines as (
    select rep_id, manager_id
    from {{ ref('dim_reps') }}
    where manager_id is not null
        and manager_id <> rep_id
),

tree as (
    select manager_id, rep_id
    from reporting_lines

    union

    select tree.manager_id, reporting_lines.rep_id
    from tree
    inner join reporting_lines
        on tree.rep_id = reporting_lines.manager_id
)

select
    tree.manager_id,
    tree.rep_id,
    reporting_lines.manager_id = tree.manager_id as is_direct_report
from tree
inner join reporting_lines
    on tree.rep_id = reporting_lines.rep_id
where tree.manager_id <> tree.rep_id
