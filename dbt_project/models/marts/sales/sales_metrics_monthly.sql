-- Company-wide monthly sales metrics: one row per month of the reporting range, the
-- columns of ../shared/spec/metrics.md in its order. Counts and sums are 0 in a month with
-- no rows; every ratio is null when its denominator is 0 or null. Figures that look at
-- earlier months (previous month, trailing windows) read the month spine, which starts 12
-- months before the range, so they are computed from the data there too.
-- Types are the same on every engine, and nothing is rounded: money sums are exact decimals
-- (the scale of their inputs: 6 for amounts, 8 for amount / term and quota thirds, 14 for
-- amount x probability); counts are bigint; ratios and averages are double precision.

with

spine as (
    select month, is_in_range, is_as_of_month
    from {{ ref('int_month_spine') }}
),

calendar as (
    select has_opportunity_history
    from {{ ref('int_reporting_calendar') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

deals_closed as (
    select
        close_month as month,
        {{ closed_deal_measures() }}
    from opportunities
    where close_month is not null
    group by close_month
),

new_customers as (
    select
        first_won_month as month,
        count(*) as new_customers
    from {{ ref('int_account_first_won_deal') }}
    where is_new_customer
    group by first_won_month
),

media_spend as (
    select
        spend_month as month,
        sum(coalesce(spend_reporting, 0)) as paid_media_spend
    from {{ ref('fct_marketing_spend') }}
    group by spend_month
),

operating_expenses as (
    select
        expense_month as month,
        sum(coalesce(amount_reporting, 0)) as sm_expenses
    from {{ ref('fct_sm_expenses') }}
    group by expense_month
),

customers as (
    select
        month,
        mrr,
        active_customers,
        active_customers_previous_month,
        churned_customers,
        expected_lifetime_months
    from {{ ref('int_customer_churn_monthly') }}
),

leads as (
    select * from {{ ref('fct_leads') }}
),

leads_created as (
    select
        created_month as month,
        count(*) as leads_created,
        count(case when is_converted then lead_id end) as leads_converted
    from leads
    where created_month is not null
    group by created_month
),

leads_qualified as (
    select
        qualified_month as month,
        count(*) as qualified_leads
    from leads
    where qualified_month is not null
    group by qualified_month
),

pipeline as (
    select
        month,
        count(case when is_open_at_month_end then opportunity_id end) as open_deals,
        sum(case when is_open_at_month_end then coalesce(amount_reporting, 0) else 0 end)
            as open_pipeline_amount,
        sum(case when is_open_at_month_end
            then coalesce(amount_reporting, 0) * cast(coalesce(probability, 0) as {{ type_share() }})
            else 0 end) as weighted_pipeline_amount,
        count(case when is_high_probability then opportunity_id end) as high_probability_open_deals,
        sum(case when is_open_at_month_end and is_closing_next_3_months
            then coalesce(amount_reporting, 0) else 0 end) as open_amount_closing_next_3_months
    from {{ ref('fct_pipeline_month_end') }}
    group by month
),

company_quotas as (
    select
        month,
        sum(quota_amount) as quota_amount
    from {{ ref('fct_quotas_monthly') }}
    where is_individual
    group by month
),

monthly as (
    select
        spine.month,
        spine.is_in_range,
        spine.is_as_of_month,
        coalesce(deals_closed.won_deals, 0) as won_deals,
        coalesce(deals_closed.lost_deals, 0) as lost_deals,
        coalesce(deals_closed.won_amount, 0) as won_amount,
        deals_closed.sales_cycle_days_avg,
        deals_closed.sales_cycle_days_median,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(media_spend.paid_media_spend, 0) as paid_media_spend,
        coalesce(operating_expenses.sm_expenses, 0) as sm_expenses,
        coalesce(customers.mrr, 0) as mrr,
        coalesce(customers.active_customers, 0) as active_customers,
        customers.active_customers_previous_month,
        coalesce(customers.churned_customers, 0) as churned_customers,
        customers.expected_lifetime_months,
        coalesce(leads_created.leads_created, 0) as leads_created,
        coalesce(leads_created.leads_converted, 0) as leads_converted,
        coalesce(leads_qualified.qualified_leads, 0) as qualified_leads,
        -- Pipeline columns exist only where the month-end state can be rebuilt.
        case when calendar.has_opportunity_history or spine.is_as_of_month
            then coalesce(pipeline.open_deals, 0) end as open_deals,
        case when calendar.has_opportunity_history or spine.is_as_of_month
            then coalesce(pipeline.open_pipeline_amount, 0) end as open_pipeline_amount,
        case when calendar.has_opportunity_history or spine.is_as_of_month
            then coalesce(pipeline.weighted_pipeline_amount, 0) end as weighted_pipeline_amount,
        case when calendar.has_opportunity_history or spine.is_as_of_month
            then coalesce(pipeline.high_probability_open_deals, 0) end as high_probability_open_deals,
        case when calendar.has_opportunity_history or spine.is_as_of_month
            then coalesce(pipeline.open_amount_closing_next_3_months, 0) end
            as open_amount_closing_next_3_months,
        coalesce(company_quotas.quota_amount, 0) as quota_amount
    from spine
    cross join calendar
    left join deals_closed on spine.month = deals_closed.month
    left join new_customers on spine.month = new_customers.month
    left join media_spend on spine.month = media_spend.month
    left join operating_expenses on spine.month = operating_expenses.month
    left join customers on spine.month = customers.month
    left join leads_created on spine.month = leads_created.month
    left join leads_qualified on spine.month = leads_qualified.month
    left join pipeline on spine.month = pipeline.month
    left join company_quotas on spine.month = company_quotas.month
),

with_neighbours as (
    select
        monthly.*,
        lag(qualified_leads) over (order by month) as qualified_leads_previous_month,
        sum(quota_amount) over (
            order by month rows between 1 following and 3 following
        ) as quota_amount_next_3_months
    from monthly
),

metrics as (
    select
        month,
        won_deals,
        lost_deals,
        won_amount,
        {{ win_rate('won_deals', 'lost_deals') }} as win_rate,
        {{ avg_sale_value('won_amount', 'won_deals') }} as avg_sale_value,
        sales_cycle_days_avg,
        sales_cycle_days_median,
        new_customers,
        paid_media_spend,
        sm_expenses,
        {{ safe_divide('paid_media_spend + sm_expenses', 'new_customers') }} as blended_cac,
        {{ safe_divide('paid_media_spend', 'new_customers') }} as paid_cac,
        mrr,
        active_customers,
        {{ arpa('mrr', 'active_customers') }} as arpa,
        churned_customers,
        {{ customer_churn_rate('churned_customers', 'active_customers_previous_month') }} as customer_churn_rate,
        {{ arpa('mrr', 'active_customers') }}
            * {{ var('gross_margin') }}
            * expected_lifetime_months as ltv,
        leads_created,
        qualified_leads,
        {{ lead_velocity_rate('qualified_leads', 'qualified_leads_previous_month') }}
            as lead_velocity_rate,
        {{ safe_divide('leads_converted', 'leads_created') }} as lead_conversion_rate,
        open_deals,
        open_pipeline_amount,
        weighted_pipeline_amount,
        {{ pipeline_quality_ratio('high_probability_open_deals', 'open_deals') }} as pipeline_quality_ratio,
        {{ safe_divide('open_amount_closing_next_3_months', 'quota_amount_next_3_months') }}
            as pipeline_coverage_next_3_months,
        quota_amount,
        {{ quota_attainment('won_amount', 'quota_amount') }} as quota_attainment,
        paid_media_spend + sm_expenses as cac_spend,
        is_in_range
    from with_neighbours
)

select
    month,
    won_deals,
    lost_deals,
    cast(won_amount as numeric(38, 6)) as won_amount,
    win_rate,
    avg_sale_value,
    sales_cycle_days_avg,
    sales_cycle_days_median,
    new_customers,
    cast(paid_media_spend as numeric(38, 6)) as paid_media_spend,
    cast(sm_expenses as numeric(38, 6)) as sm_expenses,
    blended_cac,
    paid_cac,
    cast(mrr as numeric(38, 8)) as mrr,
    active_customers,
    arpa,
    churned_customers,
    customer_churn_rate,
    ltv,
    {{ safe_divide('ltv', 'blended_cac') }} as ltv_to_cac,
    leads_created,
    qualified_leads,
    lead_velocity_rate,
    lead_conversion_rate,
    open_deals,
    cast(open_pipeline_amount as numeric(38, 6)) as open_pipeline_amount,
    cast(weighted_pipeline_amount as numeric(38, 14)) as weighted_pipeline_amount,
    pipeline_quality_ratio,
    pipeline_coverage_next_3_months,
    cast(quota_amount as numeric(38, 8)) as quota_amount,
    quota_attainment
from metrics
where is_in_range
order by month
