select
    gid as user_gid,
    name as user_name,
    email
from {{ source('asana_raw', 'users') }}
where _sdc_deleted_at is null
