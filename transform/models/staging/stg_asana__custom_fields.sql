select
    gid as custom_field_gid,
    name as custom_field_name,
    coalesce(resource_subtype, type) as custom_field_type,
    enabled as is_enabled
from {{ raw_source('custom_fields') }}
where _sdc_deleted_at is null
