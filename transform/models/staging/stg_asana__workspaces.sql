select
    gid as workspace_gid,
    name as workspace_name
from {{ source('asana_raw', 'workspaces') }}
where _sdc_deleted_at is null
