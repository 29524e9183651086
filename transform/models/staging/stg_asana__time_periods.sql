select
    gid as time_period_gid,
    display_name as time_period_name,
    period,
    {{ asana_date('start_on') }} as start_on,
    {{ asana_date('end_on') }} as end_on
from {{ raw_source('time_periods') }}
where _sdc_deleted_at is null
