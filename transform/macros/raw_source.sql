{#- A raw table of the loader, or an empty stand-in with its columns when the loader never created it: a
    stream with no records (a free workspace has no goals) or one deselected. Every model then builds,
    empty where its data is absent, on any plan and selection. The columns come from the tap's catalog
    (raw_columns.sql, generated) plus the loaders' metadata columns. -#}
{% macro raw_source(table) -%}
  {%- set relation = source('asana_raw', table) -%}
  {%- if execute and load_relation(relation) is none -%}
    {{ log("asana: " ~ relation ~ " does not exist (no records loaded yet): reading it as empty", info=true) }}
    {%- set own = raw_columns(table) -%}
    {%- set names = own | map('first') | list -%}
    (select
    {%- for name, kind in own + (loader_metadata_columns() | rejectattr('0', 'in', names) | list) %}
      cast(null as {{ raw_type(kind) }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0) as {{ adapter.quote(table) }}
  {%- else -%}
    {{ relation }}
  {%- endif -%}
{%- endmacro %}

{% macro loader_metadata_columns() -%}
  {{ return([
    ('_sdc_extracted_at', 'timestamp'), ('_sdc_batched_at', 'timestamp'), ('_sdc_received_at', 'timestamp'),
    ('_sdc_deleted_at', 'timestamp'), ('_sdc_sequence', 'integer'), ('_sdc_table_version', 'integer'),
  ]) }}
{%- endmacro %}

{#- The column type a loader gives a JSON Schema kind (raw_columns.sql). -#}
{% macro raw_type(kind) -%}
  {{ return(adapter.dispatch('raw_type', 'asana')(kind)) }}
{%- endmacro %}

{% macro default__raw_type(kind) -%}
  {{ return({'json': 'jsonb', 'timestamp': 'timestamp', 'boolean': 'boolean', 'integer': 'bigint',
             'number': 'numeric', 'text': 'text'}[kind]) }}
{%- endmacro %}

{% macro duckdb__raw_type(kind) -%}
  {{ return({'json': 'json', 'timestamp': 'timestamp', 'boolean': 'boolean', 'integer': 'bigint',
             'number': 'double', 'text': 'varchar'}[kind]) }}
{%- endmacro %}
