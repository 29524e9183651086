select
    gid as project_gid,
    name as project_name,
    archived as is_archived,
    completed as is_completed,
    {{ asana_timestamp('created_at') }} as created_at,
    {{ asana_timestamp('modified_at') }} as modified_at,
    {{ asana_date('due_on') }} as due_on,
    {{ asana_date('start_on') }} as start_on,
    {{ json_text('owner', 'gid') }} as owner_gid,
    {{ json_text('team', 'gid') }} as team_gid,
    {{ json_text('workspace', 'gid') }} as workspace_gid,
    {{ json_text('current_status', 'color') }} as current_status_color,
    {{ json_text('current_status_update', 'gid') }} as current_status_update_gid,
    custom_fields,
    permalink_url
from {{ raw_source('projects') }}
where _sdc_deleted_at is null
