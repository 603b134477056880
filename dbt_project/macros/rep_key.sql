{#- The rep a record belongs to in the rep marts: its owner's User Id. A record without an
    owner (OwnerId is required by the contract, but may arrive empty) is put on the
    pseudo-rep '(no owner)', so that the rep rows still add up to the company totals. -#}
{% macro rep_key(owner_id) -%}
    coalesce({{ owner_id }}, '(no owner)')
{%- endmacro %}
