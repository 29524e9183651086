{#- No two rows share these columns (dbt_utils' unique_combination_of_columns, without the package:
    `dbt deps` would need the dbt package hub). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
