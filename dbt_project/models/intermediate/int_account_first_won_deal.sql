-- Each account's first won deal (earliest CloseDate, ties by the smallest opportunity Id)
-- and whether it made the account a new customer: not when that deal is of an
-- existing-business type (var existing_business_types): an account whose first won deal
-- in the data is a renewal was a customer before the data starts.

with

won_deals as (
    select
        account_id,
        opportunity_id,
        close_date,
        close_month,
        opportunity_type,
        is_existing_business
    from {{ ref('int_opportunities') }}
    where is_won
        and account_id is not null
        and close_date is not null
),

first_won_deal as (
    {{ latest_row_per_key('won_deals', ['account_id'], ['close_date asc', 'opportunity_id asc']) }}
)

select
    account_id,
    opportunity_id as first_won_opportunity_id,
    close_date as first_won_close_date,
    close_month as first_won_month,
    opportunity_type as first_won_opportunity_type,
    not is_existing_business as is_new_customer
from first_won_deal
