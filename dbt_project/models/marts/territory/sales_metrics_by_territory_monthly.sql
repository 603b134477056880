-- Monthly sales metrics by territory: one row per month of the reporting range and
-- territory (every non-deleted Territory2 plus 'Unassigned'), with the definitions of
-- sales_metrics_monthly sliced by the ACCOUNT's territory (int_account_territories: the
-- smallest Territory2 Id of the account's ObjectTerritory2Association, else 'Unassigned').
-- Deals with no account are 'Unassigned'. Every territory has a row in every month; counts
-- and sums are 0 where there are no rows, ratios null on a 0/null denominator. The
-- additive columns summed over the territories of a month equal the company-wide value.
-- Spend, CAC and leads are not attributable to a territory and are left out; so are the
-- columns built on them (ltv_to_cac) or on company quotas (coverage, attainment).

with

spine as (
    select month, is_in_range, is_as_of_month
    from {{ ref('int_month_spine') }}
),

calendar as (
    select has_opportunity_history
    from {{ ref('int_reporting_calendar') }}
),

territories as (
    select territory_id, territory_name
    from {{ ref('int_reporting_territories') }}
),

grid as (
    select
        spine.month,
        spine.is_in_range,
        spine.is_as_of_month,
        territories.territory_id,
        territories.territory_name
    from spine
    cross join territories
),

opportunity_territories as (
    select opportunity_id, territory_id
    from {{ ref('int_opportunity_territories') }}
),

account_territories as (
    select account_id, territory_id
    from {{ ref('int_account_territories') }}
),

opportunities as (
    select
        opportunities.*,
        {{ month_start('opportunities.created_date') }} as created_month,
        opportunity_territories.territory_id
    from {{ ref('fct_opportunities') }} as opportunities
    inner join opportunity_territories
        on opportunities.opportunity_id = opportunity_territories.opportunity_id
),

deals_closed as (
    select
        close_month as month,
        territory_id,
        {{ closed_deal_measures() }}
    from opportunities
    where close_month is not null
    group by close_month, territory_id
),

pipeline_created as (
    select
        created_month as month,
        territory_id,
        sum(coalesce(amount_reporting, 0)) as pipeline_created_amount
    from opportunities
    where created_month is not null
    group by created_month, territory_id
),

new_customers as (
    select
        first_won.first_won_month as month,
        account_territories.territory_id,
        count(*) as new_customers
    from {{ ref('int_account_first_won_deal') }} as first_won
    inner join account_territories
        on first_won.account_id = account_territories.account_id
    where first_won.is_new_customer
    group by first_won.first_won_month, account_territories.territory_id
),

customers as (
    select
        customer_months.month,
        account_territories.territory_id,
        sum(customer_months.mrr) as mrr,
        count(*) as active_customers
    from {{ ref('int_customer_months') }} as customer_months
    inner join account_territories
        on customer_months.account_id = account_territories.account_id
    group by customer_months.month, account_territories.territory_id
),

churned as (
    select
        churn_events.month,
        account_territories.territory_id,
        count(*) as churned_customers
    from {{ ref('int_customer_churn_events') }} as churn_events
    inner join account_territories
        on churn_events.account_id = account_territories.account_id
    group by churn_events.month, account_territories.territory_id
),

pipeline as (
    select
        pipeline_month_end.month,
        opportunity_territories.territory_id,
        count(case when pipeline_month_end.is_open_at_month_end then pipeline_month_end.opportunity_id end)
            as open_deals,
        sum(case when pipeline_month_end.is_open_at_month_end
            then coalesce(pipeline_month_end.amount_reporting, 0) else 0 end) as open_pipeline_amount,
        sum(case when pipeline_month_end.is_open_at_month_end
            then coalesce(pipeline_month_end.amount_reporting, 0)
                * cast(coalesce(pipeline_month_end.probability, 0) as {{ type_share() }})
            else 0 end) as weighted_pipeline_amount,
        count(case when pipeline_month_end.is_high_probability then pipeline_month_end.opportunity_id end)
            as high_probability_open_deals
    from {{ ref('fct_pipeline_month_end') }} as pipeline_month_end
    inner join opportunity_territories
        on pipeline_month_end.opportunity_id = opportunity_territories.opportunity_id
    group by pipeline_month_end.month, opportunity_territories.territory_id
),

monthly as (
    select
        grid.month,
        grid.is_in_range,
        grid.is_as_of_month,
        grid.territory_id,
        grid.territory_name,
        coalesce(deals_closed.won_deals, 0) as won_deals,
        coalesce(deals_closed.lost_deals, 0) as lost_deals,
        coalesce(deals_closed.won_amount, 0) as won_amount,
        deals_closed.sales_cycle_days_avg,
        deals_closed.sales_cycle_days_median,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(customers.mrr, 0) as mrr,
        coalesce(customers.active_customers, 0) as active_customers,
        coalesce(churned.churned_customers, 0) as churned_customers,
        -- Pipeline columns exist only where the month-end state can be rebuilt.
        case when calendar.has_opportunity_history or grid.is_as_of_month
            then coalesce(pipeline.open_deals, 0) end as open_deals,
        case when calendar.has_opportunity_history or grid.is_as_of_month
            then coalesce(pipeline.open_pipeline_amount, 0) end as open_pipeline_amount,
        case when calendar.has_opportunity_history or grid.is_as_of_month
            then coalesce(pipeline.weighted_pipeline_amount, 0) end as weighted_pipeline_amount,
        case when calendar.has_opportunity_history or grid.is_as_of_month
            then coalesce(pipeline.high_probability_open_deals, 0) end as high_probability_open_deals,
        coalesce(pipeline_created.pipeline_created_amount, 0) as pipeline_created_amount
    from grid
    cross join calendar
    left join deals_closed
        on grid.month = deals_closed.month
        and grid.territory_id is not distinct from deals_closed.territory_id
    left join pipeline_created
        on grid.month = pipeline_created.month
        and grid.territory_id is not distinct from pipeline_created.territory_id
    left join new_customers
        on grid.month = new_customers.month
        and grid.territory_id is not distinct from new_customers.territory_id
    left join customers
        on grid.month = customers.month
        and grid.territory_id is not distinct from customers.territory_id
    left join churned
        on grid.month = churned.month
        and grid.territory_id is not distinct from churned.territory_id
    left join pipeline
        on grid.month = pipeline.month
        and grid.territory_id is not distinct from pipeline.territory_id
),

with_previous_month as (
    select
        monthly.*,
        -- The grid holds every spine month for every territory, and the spine starts 12
        -- months before the range, so the previous row is the previous month.
        lag(active_customers) over (
            partition by territory_id, territory_name order by month
        ) as active_customers_previous_month
    from monthly
),

metrics as (
    select
        month,
        territory_id,
        territory_name,
        won_deals,
        lost_deals,
        won_amount,
        {{ win_rate('won_deals', 'lost_deals') }} as win_rate,
        {{ avg_sale_value('won_amount', 'won_deals') }} as avg_sale_value,
        sales_cycle_days_avg,
        sales_cycle_days_median,
        new_customers,
        mrr,
        active_customers,
        {{ arpa('mrr', 'active_customers') }} as arpa,
        churned_customers,
        {{ customer_churn_rate('churned_customers', 'active_customers_previous_month') }} as customer_churn_rate,
        open_deals,
        open_pipeline_amount,
        weighted_pipeline_amount,
        {{ pipeline_quality_ratio('high_probability_open_deals', 'open_deals') }} as pipeline_quality_ratio,
        pipeline_created_amount,
        is_in_range
    from with_previous_month
)

select
    month,
    territory_id,
    territory_name,
    won_deals,
    lost_deals,
    cast(won_amount as numeric(38, 6)) as won_amount,
    win_rate,
    avg_sale_value,
    sales_cycle_days_avg,
    sales_cycle_days_median,
    new_customers,
    cast(mrr as numeric(38, 8)) as mrr,
    active_customers,
    arpa,
    churned_customers,
    customer_churn_rate,
    open_deals,
    cast(open_pipeline_amount as numeric(38, 6)) as open_pipeline_amount,
    cast(weighted_pipeline_amount as numeric(38, 14)) as weighted_pipeline_amount,
    pipeline_quality_ratio,
    cast(pipeline_created_amount as numeric(38, 6)) as pipeline_created_amount
from metrics
where is_in_range
order by month, territory_name, territory_id
