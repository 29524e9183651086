select
    gid as goal_relationship_gid,
    resource_subtype,
    {{ json_text('supported_goal', 'gid') }} as supported_goal_gid,
    {{ json_text('supporting_resource', 'gid') }} as supporting_resource_gid,
    {{ json_text('supporting_resource', 'resource_type') }} as supporting_resource_type,
    contribution_weight
from {{ raw_source('goal_relationships') }}
where _sdc_deleted_at is null
