select
    gid as section_gid,
    name as section_name,
    {{ json_text('project', 'gid') }} as project_gid,
    {{ asana_timestamp('created_at') }} as created_at
from {{ raw_source('sections') }}
where _sdc_deleted_at is null
