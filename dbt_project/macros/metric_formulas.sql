{#- The ratio metrics of metrics.md, each formula written once and used by every mart that
    shows the metric (company, territory, rep, manager, channel). Arguments are the
    column expressions of the numerator's parts; every ratio is null on a 0/null denominator. -#}

{#- win_rate = won / (won + lost): the seed's "close rate". -#}
{% macro win_rate(won_deals, lost_deals) -%}
    {{ safe_divide(won_deals, won_deals ~ ' + ' ~ lost_deals) }}
{%- endmacro %}

{#- avg_sale_value = won amount / won deals (a division, not the blog posts' product). -#}
{% macro avg_sale_value(won_amount, won_deals) -%}
    {{ safe_divide(won_amount, won_deals) }}
{%- endmacro %}

{#- quota_attainment = bookings / quota of the same period and scope. -#}
{% macro quota_attainment(bookings, quota_amount) -%}
    {{ safe_divide(bookings, quota_amount) }}
{%- endmacro %}

{#- arpa = mrr / active customers. -#}
{% macro arpa(mrr, active_customers) -%}
    {{ safe_divide(mrr, active_customers) }}
{%- endmacro %}

{#- customer_churn_rate = churned this month / active customers of the previous month. -#}
{% macro customer_churn_rate(churned_customers, active_customers_previous_month) -%}
    {{ safe_divide(churned_customers, active_customers_previous_month) }}
{%- endmacro %}

{#- pipeline_quality_ratio = open deals at or above the probability threshold / open deals. -#}
{% macro pipeline_quality_ratio(high_probability_open_deals, open_deals) -%}
    {{ safe_divide(high_probability_open_deals, open_deals) }}
{%- endmacro %}

{#- lead_velocity_rate = (qualified - qualified last month) / qualified last month. -#}
{% macro lead_velocity_rate(qualified_leads, qualified_leads_previous_month) -%}
    {{ safe_divide(qualified_leads ~ ' - ' ~ qualified_leads_previous_month, qualified_leads_previous_month) }}
{%- endmacro %}

{#- The closed-deal measures of a group of fct_opportunities rows (its close month, at the
    grain of the caller's group by: company, territory, rep): won and lost deal counts, won
    amount (null amounts count 0), and the sales cycle's mean and median over the won deals
    whose cycle is not negative. Written once for every mart that shows them. -#}
{% macro closed_deal_measures() -%}
        count(case when is_won then 1 end) as won_deals,
        count(case when is_lost then 1 end) as lost_deals,
        sum(case when is_won then coalesce(amount_reporting, 0) else 0 end) as won_amount,
        avg(case when is_won and not is_sales_cycle_negative
            then cast(sales_cycle_days as {{ type_double() }}) end) as sales_cycle_days_avg,
        {{ median('case when is_won and not is_sales_cycle_negative then cast(sales_cycle_days as ' ~ type_double() ~ ') end') }}
            as sales_cycle_days_median
{%- endmacro %}
