select
    gid as time_tracking_entry_gid,
    {{ json_text('task', 'gid') }} as task_gid,
    {{ json_text('attributable_to', 'gid') }} as attributable_project_gid,
    {{ json_text('created_by', 'gid') }} as user_gid,
    duration_minutes,
    {{ asana_date('entered_on') }} as entered_on,
    {{ asana_timestamp('created_at') }} as created_at,
    approval_status,
    billable_status
from {{ raw_source('time_tracking_entries') }}
where _sdc_deleted_at is null
