select
    gid as tag_gid,
    name as tag_name,
    color,
    {{ json_text('workspace', 'gid') }} as workspace_gid
from {{ raw_source('tags') }}
where _sdc_deleted_at is null
