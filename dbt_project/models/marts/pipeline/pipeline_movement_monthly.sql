-- Pipeline movement ("waterfall") per month of the reporting range: how the open pipeline
-- at the end of the previous month became the open pipeline at the end of this month,
-- deal by deal from the two month-end states (int_pipeline_movements_monthly). Amounts
-- in the reporting currency, null amount = 0. The terms add up exactly:
--   opening_pipeline + created + reopened - won - lost + amount_changes = closing_pipeline
-- and closing_pipeline = sales_metrics_monthly.open_pipeline_amount (same state, same
-- amounts); counts likewise: opening_deals + created + reopened - won - lost = closing.
-- Without any OpportunityHistory in the landing every column is null, except
-- closing_deals / closing_pipeline of the as-of month (as in sales_metrics_monthly).

with

spine as (
    select month, is_as_of_month
    from {{ ref('int_month_spine') }}
    where is_in_range
),

calendar as (
    select has_opportunity_history from {{ ref('int_reporting_calendar') }}
),

movements as (
    select * from {{ ref('int_pipeline_movements_monthly') }}
),

per_month as (
    select
        month,
        count(case when was_open_at_previous_month_end then opportunity_id end) as opening_deals,
        sum(case when was_open_at_previous_month_end then previous_amount else 0 end) as opening_pipeline,
        count(case when movement = 'created' then opportunity_id end) as created_deals,
        sum(case when movement = 'created' then amount else 0 end) as created_pipeline,
        count(case when movement = 'reopened' then opportunity_id end) as reopened_deals,
        sum(case when movement = 'reopened' then amount else 0 end) as reopened_pipeline,
        count(case when movement = 'won' then opportunity_id end) as won_deals,
        sum(case when movement = 'won' then previous_amount else 0 end) as won_pipeline,
        count(case when movement = 'lost' then opportunity_id end) as lost_deals,
        sum(case when movement = 'lost' then previous_amount else 0 end) as lost_pipeline,
        count(case when movement = 'continuing' then opportunity_id end) as continuing_deals,
        sum(case when movement = 'continuing' then amount_change else 0 end) as amount_changes,
        sum(case when movement = 'continuing' and amount_change > 0
            then amount_change else 0 end) as amount_increases,
        sum(case when movement = 'continuing' and amount_change < 0
            then amount_change else 0 end) as amount_decreases,
        count(case when is_pushed_out then opportunity_id end) as pushed_out_deals,
        sum(case when is_pushed_out then previous_amount else 0 end) as pushed_out_pipeline,
        count(case when is_open_at_month_end then opportunity_id end) as closing_deals,
        sum(case when is_open_at_month_end then amount else 0 end) as closing_pipeline
    from movements
    group by month
),

monthly as (
    select
        spine.month,
        calendar.has_opportunity_history,
        spine.is_as_of_month,
        coalesce(per_month.opening_deals, 0) as opening_deals,
        coalesce(per_month.opening_pipeline, 0) as opening_pipeline,
        coalesce(per_month.created_deals, 0) as created_deals,
        coalesce(per_month.created_pipeline, 0) as created_pipeline,
        coalesce(per_month.reopened_deals, 0) as reopened_deals,
        coalesce(per_month.reopened_pipeline, 0) as reopened_pipeline,
        coalesce(per_month.won_deals, 0) as won_deals,
        coalesce(per_month.won_pipeline, 0) as won_pipeline,
        coalesce(per_month.lost_deals, 0) as lost_deals,
        coalesce(per_month.lost_pipeline, 0) as lost_pipeline,
        coalesce(per_month.continuing_deals, 0) as continuing_deals,
        coalesce(per_month.amount_changes, 0) as amount_changes,
        coalesce(per_month.amount_increases, 0) as amount_increases,
        coalesce(per_month.amount_decreases, 0) as amount_decreases,
        coalesce(per_month.pushed_out_deals, 0) as pushed_out_deals,
        coalesce(per_month.pushed_out_pipeline, 0) as pushed_out_pipeline,
        coalesce(per_month.closing_deals, 0) as closing_deals,
        coalesce(per_month.closing_pipeline, 0) as closing_pipeline
    from spine
    cross join calendar
    left join per_month
        on spine.month = per_month.month
)

select
    month,
    {%- for column, type in [
        ('opening_deals', 'bigint'),
        ('opening_pipeline', 'numeric(38, 6)'),
        ('created_deals', 'bigint'),
        ('created_pipeline', 'numeric(38, 6)'),
        ('reopened_deals', 'bigint'),
        ('reopened_pipeline', 'numeric(38, 6)'),
        ('won_deals', 'bigint'),
        ('won_pipeline', 'numeric(38, 6)'),
        ('lost_deals', 'bigint'),
        ('lost_pipeline', 'numeric(38, 6)'),
        ('continuing_deals', 'bigint'),
        ('amount_changes', 'numeric(38, 6)'),
        ('amount_increases', 'numeric(38, 6)'),
        ('amount_decreases', 'numeric(38, 6)'),
        ('pushed_out_deals', 'bigint'),
        ('pushed_out_pipeline', 'numeric(38, 6)'),
    ] %}
    case when has_opportunity_history then cast({{ column }} as {{ type }}) end as {{ column }},
    {%- endfor %}
    case when has_opportunity_history or is_as_of_month
        then cast(closing_deals as bigint) end as closing_deals,
    case when has_opportunity_history or is_as_of_month
        then cast(closing_pipeline as numeric(38, 6)) end as closing_pipeline
from monthly
order by month
