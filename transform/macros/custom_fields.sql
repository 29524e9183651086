{#- `custom_<name>` columns for every custom field definition, read from the raw table at run time
    (Fivetran's dbt_asana flattens custom fields the same way). -#}
{% macro custom_field_columns() -%}
  {%- set columns = [] -%}
  {%- if execute -%}
    {%- set rows = run_query(
          "select gid, name from " ~ source('asana_raw', 'custom_fields')
          ~ " where _sdc_deleted_at is null order by name, gid") -%}
    {%- set seen = [] -%}
    {%- for row in rows -%}
      {%- set slug = modules.re.sub('[^a-z0-9]+', '_', (row[1] or 'field') | lower).strip('_') -%}
      {%- set column = 'custom_' ~ slug -%}
      {%- if column in seen -%}{%- set column = column ~ '_' ~ row[0] -%}{%- endif -%}
      {%- do seen.append(column) -%}
      {%- do columns.append({'gid': row[0], 'column': column}) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(columns) }}
{%- endmacro %}
