select
    gid as goal_gid,
    name as goal_name,
    status,
    is_workspace_level,
    {{ asana_date('start_on') }} as start_on,
    {{ asana_date('due_on') }} as due_on,
    {{ json_text('owner', 'gid') }} as owner_gid,
    {{ json_text('team', 'gid') }} as team_gid,
    {{ json_text('time_period', 'gid') }} as time_period_gid,
    {{ json_text('workspace', 'gid') }} as workspace_gid,
    {{ json_text('current_status_update', 'gid') }} as current_status_update_gid,
    {{ json_text('metric', 'unit') }} as metric_unit,
    cast({{ json_text('metric', 'initial_number_value') }} as double precision) as metric_initial_value,
    cast({{ json_text('metric', 'target_number_value') }} as double precision) as metric_target_value,
    cast({{ json_text('metric', 'current_number_value') }} as double precision) as metric_current_value,
    {{ json_text('metric', 'progress_source') }} as metric_progress_source
from {{ raw_source('goals') }}
where _sdc_deleted_at is null
