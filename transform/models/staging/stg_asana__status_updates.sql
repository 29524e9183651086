select
    gid as status_update_gid,
    {{ json_text('parent', 'gid') }} as parent_gid,
    {{ json_text('parent', 'resource_type') }} as parent_type,
    resource_subtype,
    status_type,
    title,
    {{ json_text('author', 'gid') }} as author_gid,
    {{ asana_timestamp('created_at') }} as created_at
from {{ raw_source('status_updates') }}
where _sdc_deleted_at is null
