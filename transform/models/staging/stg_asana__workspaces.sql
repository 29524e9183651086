select
    gid as workspace_gid,
    name as workspace_name
from {{ raw_source('workspaces') }}
where _sdc_deleted_at is null
