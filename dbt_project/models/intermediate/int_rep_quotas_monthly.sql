-- Each rep's individual quota per month (team quotas excluded; a quarterly quota already
-- counts a third per month in fct_quotas_monthly), keyed like every rep mart (rep_key).

select
    {{ rep_key('user_id') }} as rep_id,
    month,
    sum(quota_amount) as quota_amount
from {{ ref('fct_quotas_monthly') }}
where is_individual
group by {{ rep_key('user_id') }}, month
