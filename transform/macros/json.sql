{#- Portable JSON helpers. The loaders store Asana's nested objects and arrays as JSON (DuckDB) or JSONB
    (PostgreSQL); `->` and `->>` read them the same way on both, only array unnesting differs. -#}

{#- A FROM-clause item yielding one row per element of a JSON array column, as `<alias>.value`. -#}
{% macro json_array_elements(column, alias) -%}
  {{ return(adapter.dispatch('json_array_elements', 'asana')(column, alias)) }}
{%- endmacro %}

{#- target-postgres stores arrays as jsonb[] (and objects as jsonb): to_jsonb() takes either. -#}
{% macro default__json_array_elements(column, alias) -%}
  lateral jsonb_array_elements(
    case when jsonb_typeof(to_jsonb({{ column }})) = 'array' then to_jsonb({{ column }}) end
  ) as {{ alias }}(value)
{%- endmacro %}

{% macro duckdb__json_array_elements(column, alias) -%}
  unnest(cast(case when json_type({{ column }}) = 'ARRAY' then {{ column }} end as json[])) as {{ alias }}(value)
{%- endmacro %}

{#- A string field of a JSON object column; `path` is a list of keys. -#}
{% macro json_text(column, path) -%}
  {%- set keys = [path] if path is string else path -%}
  ({{ column }}{% for key in keys[:-1] %} -> '{{ key }}'{% endfor %} ->> '{{ keys[-1] }}')
{%- endmacro %}

{#- Asana timestamps arrive as ISO 8601 strings or as timestamps, depending on the loader. -#}
{% macro asana_timestamp(column) -%}
  cast({{ column }} as timestamp)
{%- endmacro %}

{% macro asana_date(column) -%}
  cast({{ column }} as date)
{%- endmacro %}
