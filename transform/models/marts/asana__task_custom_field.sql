-- Custom field values of tasks, one row per (task, field), for any number of fields: the long form of
-- asana__task's custom_* columns, each value in the column of its type (number, date, enum name, text).
select
    t.task_gid,
    {{ json_text('e.value', 'gid') }} as custom_field_gid,
    {{ json_text('e.value', 'name') }} as custom_field_name,
    coalesce({{ json_text('e.value', 'resource_subtype') }}, {{ json_text('e.value', 'type') }}) as custom_field_type,
    {{ json_text('e.value', 'display_value') }} as display_value,
    {{ json_text('e.value', 'text_value') }} as text_value,
    cast({{ json_text('e.value', 'number_value') }} as double precision) as number_value,
    {{ json_text('e.value', ['enum_value', 'name']) }} as enum_value,
    cast({{ json_text('e.value', ['date_value', 'date']) }} as date) as date_value
from {{ ref('stg_asana__tasks') }} as t
cross join {{ json_array_elements('t.custom_fields', 'e') }}
where {{ json_text('e.value', 'gid') }} is not null
