select
    gid as team_gid,
    name as team_name
from {{ raw_source('teams') }}
where _sdc_deleted_at is null
