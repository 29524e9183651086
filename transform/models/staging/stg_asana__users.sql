select
    gid as user_gid,
    name as user_name,
    email
from {{ raw_source('users') }}
where _sdc_deleted_at is null
