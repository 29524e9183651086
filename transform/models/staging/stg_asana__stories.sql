select
    gid as story_gid,
    {{ json_text('target', 'gid') }} as target_gid,
    {{ json_text('target', 'resource_type') }} as target_type,
    case when {{ json_text('target', 'resource_type') }} = 'task' then {{ json_text('target', 'gid') }} end
        as task_gid,
    {{ asana_timestamp('created_at') }} as created_at,
    {{ json_text('created_by', 'gid') }} as created_by_gid,
    type as story_type,
    resource_subtype,
    text,
    {{ json_text('assignee', 'gid') }} as assignee_gid,
    {{ json_text('project', 'gid') }} as project_gid,
    {{ json_text('old_section', 'gid') }} as old_section_gid,
    {{ json_text('new_section', 'gid') }} as new_section_gid,
    {{ json_text('custom_field', 'gid') }} as custom_field_gid,
    {{ json_text('new_dates', 'due_on') }} as new_due_on
from {{ raw_source('stories') }}
where _sdc_deleted_at is null
