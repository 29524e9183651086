select 1
from (select sum(minutes) as m from {{ ref('asana__time_tracking') }}) as model
where model.m <> (select sum(duration_minutes) from {{ ref('stg_asana__time_tracking_entries') }})
