-- Territory planning, as of the as-of date: one row per territory (every non-deleted
-- Territory2 plus 'Unassigned') with its accounts, customers, open pipeline, trailing
-- bookings and reps, each territory's share of the totals, and how balanced the
-- territories are (a territory's share of accounts / pipeline over its share of reps:
-- 1 = as much as its head count warrants). Accounts and deals belong to the ACCOUNT's
-- territory (int_account_territories; deals with no account: 'Unassigned'); reps to
-- their own (dim_reps, from UserTerritory2Association).

with

calendar as (
    select as_of_date, as_of_month
    from {{ ref('int_reporting_calendar') }}
),

territories as (
    select territory_id, territory_name
    from {{ ref('int_reporting_territories') }}
),

account_territories as (
    select account_id, territory_id
    from {{ ref('int_account_territories') }}
),

opportunity_territories as (
    select opportunity_id, territory_id
    from {{ ref('int_opportunity_territories') }}
),

accounts as (
    select
        territory_id,
        count(*) as accounts
    from {{ ref('dim_accounts') }}
    group by territory_id
),

customers as (
    select
        account_territories.territory_id,
        count(*) as customers
    from {{ ref('int_customer_months') }} as customer_months
    inner join calendar
        on customer_months.month = calendar.as_of_month
    inner join account_territories
        on customer_months.account_id = account_territories.account_id
    group by account_territories.territory_id
),

open_pipeline as (
    select
        opportunity_territories.territory_id,
        count(*) as open_deals,
        sum(coalesce(pipeline_month_end.amount_reporting, 0)) as open_pipeline_amount
    from {{ ref('fct_pipeline_month_end') }} as pipeline_month_end
    inner join calendar
        on pipeline_month_end.month = calendar.as_of_month
    inner join opportunity_territories
        on pipeline_month_end.opportunity_id = opportunity_territories.opportunity_id
    where pipeline_month_end.is_open_at_month_end
    group by opportunity_territories.territory_id
),

bookings as (
    select
        opportunity_territories.territory_id,
        sum(coalesce(opportunities.amount_reporting, 0)) as bookings_trailing_12_months
    from {{ ref('fct_opportunities') }} as opportunities
    cross join calendar
    inner join opportunity_territories
        on opportunities.opportunity_id = opportunity_territories.opportunity_id
    where opportunities.is_won
        and opportunities.close_month >= {{ add_months('calendar.as_of_month', -11) }}
        and opportunities.close_month <= calendar.as_of_month
    group by opportunity_territories.territory_id
),

reps as (
    select
        territory_id,
        count(*) as reps
    from {{ ref('dim_reps') }}
    -- IsActive is optional in the contract; a user without it is taken as active
    -- (Salesforce's default).
    where coalesce(is_active, true)
    group by territory_id
),

per_territory as (
    select
        calendar.as_of_date,
        calendar.as_of_month,
        territories.territory_id,
        territories.territory_name,
        coalesce(accounts.accounts, 0) as accounts,
        coalesce(customers.customers, 0) as customers,
        coalesce(open_pipeline.open_deals, 0) as open_deals,
        coalesce(open_pipeline.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(bookings.bookings_trailing_12_months, 0) as bookings_trailing_12_months,
        coalesce(reps.reps, 0) as reps
    from territories
    cross join calendar
    left join accounts
        on territories.territory_id is not distinct from accounts.territory_id
    left join customers
        on territories.territory_id is not distinct from customers.territory_id
    left join open_pipeline
        on territories.territory_id is not distinct from open_pipeline.territory_id
    left join bookings
        on territories.territory_id is not distinct from bookings.territory_id
    left join reps
        on territories.territory_id is not distinct from reps.territory_id
),

with_totals as (
    select
        per_territory.*,
        sum(accounts) over () as total_accounts,
        sum(open_pipeline_amount) over () as total_open_pipeline_amount,
        sum(reps) over () as total_reps
    from per_territory
),

shares as (
    select
        with_totals.*,
        {{ safe_divide('accounts', 'total_accounts') }} as share_of_accounts,
        {{ safe_divide('open_pipeline_amount', 'total_open_pipeline_amount') }} as share_of_pipeline,
        {{ safe_divide('reps', 'total_reps') }} as share_of_reps
    from with_totals
)

select
    as_of_date,
    as_of_month,
    territory_id,
    territory_name,
    accounts,
    customers,
    open_deals,
    cast(open_pipeline_amount as numeric(38, 6)) as open_pipeline_amount,
    cast(bookings_trailing_12_months as numeric(38, 6)) as bookings_trailing_12_months,
    reps,
    {{ safe_divide('bookings_trailing_12_months', 'reps') }} as bookings_per_rep,
    share_of_accounts,
    share_of_pipeline,
    share_of_reps,
    {{ safe_divide('share_of_accounts', 'share_of_reps') }} as accounts_balance_index,
    {{ safe_divide('share_of_pipeline', 'share_of_reps') }} as pipeline_balance_index
from shares
order by territory_name, territory_id
