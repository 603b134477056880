-- Per manager and month of the reporting range: the team's bookings and quotas. A manager is
-- any user who is the ManagerId of a (non-deleted) user, or who has a team quota. The team is
-- every user below the manager in the reporting tree (int_rep_hierarchy: direct reports and
-- their reports, at any depth; current reporting lines applied to every month) with a row in
-- rep_performance_monthly that month; the manager's own deals and quota are not in it. Every
-- manager has a row in every month of the range (0 / null where there is nothing).

with

months as (
    select month
    from {{ ref('int_month_spine') }}
    where is_in_range
),

team_quotas as (
    select
        user_id as manager_id,
        month,
        sum(quota_amount) as team_quota_amount
    from {{ ref('fct_quotas_monthly') }}
    where quota_type = 'team'
    group by user_id, month
),

managers as (
    select manager_id
    from {{ ref('dim_reps') }}
    where manager_id is not null
    union
    select manager_id
    from team_quotas
),

hierarchy as (
    select manager_id, rep_id, is_direct_report
    from {{ ref('int_rep_hierarchy') }}
),

teams as (
    select
        hierarchy.manager_id,
        rep_months.month,
        count(*) as reps_count,
        count(case when hierarchy.is_direct_report then 1 end) as direct_reps_count,
        sum(rep_months.won_deals) as team_won_deals,
        sum(rep_months.lost_deals) as team_lost_deals,
        sum(rep_months.won_amount) as team_won_amount,
        sum(rep_months.quota_amount) as reps_quota_amount
    from {{ ref('rep_performance_monthly') }} as rep_months
    inner join hierarchy
        on rep_months.rep_id = hierarchy.rep_id
    group by hierarchy.manager_id, rep_months.month
),

manager_months as (
    select
        months.month,
        managers.manager_id,
        coalesce(teams.reps_count, 0) as reps_count,
        coalesce(teams.direct_reps_count, 0) as direct_reps_count,
        coalesce(teams.team_won_deals, 0) as team_won_deals,
        coalesce(teams.team_lost_deals, 0) as team_lost_deals,
        coalesce(teams.team_won_amount, 0) as team_won_amount,
        coalesce(teams.reps_quota_amount, 0) as reps_quota_amount,
        coalesce(team_quotas.team_quota_amount, 0) as team_quota_amount
    from managers
    cross join months
    left join teams
        on managers.manager_id = teams.manager_id
        and months.month = teams.month
    left join team_quotas
        on managers.manager_id = team_quotas.manager_id
        and months.month = team_quotas.month
)

select
    month,
    manager_id,
    cast(reps_count as {{ dbt.type_bigint() }}) as reps_count,
    cast(direct_reps_count as {{ dbt.type_bigint() }}) as direct_reps_count,
    cast(team_won_deals as {{ dbt.type_bigint() }}) as team_won_deals,
    cast(team_lost_deals as {{ dbt.type_bigint() }}) as team_lost_deals,
    cast(team_won_amount as numeric(38, 6)) as team_won_amount,
    {{ win_rate('team_won_deals', 'team_lost_deals') }} as team_win_rate,
    cast(reps_quota_amount as numeric(38, 8)) as reps_quota_amount,
    cast(team_quota_amount as numeric(38, 8)) as team_quota_amount,
    {{ quota_attainment('team_won_amount', 'team_quota_amount') }} as team_quota_attainment,
    {{ quota_attainment('team_won_amount', 'reps_quota_amount') }} as reps_quota_attainment
from manager_months
order by month, manager_id
