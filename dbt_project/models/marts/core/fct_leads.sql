-- One row per non-deleted lead: creation, qualification and conversion. No personal data
-- (names, emails, phones and company names are not published).
-- A view on DuckDB (projection_mart_config): a table was 2.4-4.2 s of a 1M nightly's node time.

{{ config(**projection_mart_config()) }}

select
    lead_id,
    owner_id,
    status,
    lead_source,
    industry,
    country,
    created_date,
    created_month,
    mql_date,
    qualified_date,
    qualified_month,
    is_converted,
    converted_date,
    converted_account_id,
    converted_contact_id,
    converted_opportunity_id
from {{ ref('int_lead_qualification') }}
