select
    gid as team_gid,
    name as team_name
from {{ source('asana_raw', 'teams') }}
where _sdc_deleted_at is null
