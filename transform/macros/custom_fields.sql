{#- `custom_<name>` columns of asana__task, one per custom field name, read from the raw table at run time
    (Fivetran's dbt_asana flattens custom fields the same way). Names are stable across workspaces: fields of
    the same name and kind (a "Priority" enum in two workspaces) share one column; the same name with another
    kind gets the kind as a suffix (`custom_estimate_number`), never a gid. Each column is typed by its kind:
    numbers as numbers, dates as dates, enums as their option's name, text as text. -#}
{% macro custom_field_columns() -%}
  {%- set columns = [] -%}
  {%- if execute -%}
    {%- set relation = source('asana_raw', 'custom_fields') -%}
    {%- if load_relation(relation) is not none -%}
      {%- set rows = run_query(
            "select gid, name, coalesce(resource_subtype, type) as kind from " ~ relation
            ~ " where _sdc_deleted_at is null order by name, gid") -%}
      {%- set by_name = {} -%}
      {%- for row in rows -%}
        {%- set slug = modules.re.sub('[^a-z0-9]+', '_', (row[1] or 'field') | lower).strip('_') or 'field' -%}
        {%- do by_name.setdefault(slug, {}).setdefault(row[2] or 'text', []).append(row[0]) -%}
      {%- endfor -%}
      {%- for slug in by_name | sort -%}
        {%- set kinds = by_name[slug] -%}
        {%- for kind in kinds | sort -%}
          {%- set column = 'custom_' ~ slug ~ ('' if kinds | length == 1 else '_' ~ kind) -%}
          {%- do columns.append({'gids': kinds[kind], 'column': column, 'kind': kind}) -%}
        {%- endfor -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(columns) }}
{%- endmacro %}

{#- The typed value of a custom field row of asana__task_custom_field, by the field's kind. -#}
{% macro custom_field_value(kind) -%}
  {%- if kind == 'number' -%} number_value
  {%- elif kind == 'date' -%} date_value
  {%- elif kind == 'enum' -%} enum_value
  {%- elif kind == 'text' -%} text_value
  {%- else -%} display_value
  {%- endif -%}
{%- endmacro %}
