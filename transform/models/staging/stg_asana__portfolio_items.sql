select
    portfolio_gid,
    gid as item_gid,
    resource_type as item_type,
    name as item_name
from {{ raw_source('portfolio_items') }}
where _sdc_deleted_at is null
