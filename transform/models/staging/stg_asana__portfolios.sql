select
    gid as portfolio_gid,
    name as portfolio_name,
    archived as is_archived,
    {{ json_text('owner', 'gid') }} as owner_gid,
    {{ json_text('current_status_update', 'gid') }} as current_status_update_gid,
    {{ asana_date('due_on') }} as due_on
from {{ raw_source('portfolios') }}
where _sdc_deleted_at is null
