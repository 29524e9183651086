-- Every task is counted once as created, and every completed task once as completed.
with totals as (
    select sum(created_count) as created, sum(completed_count) as completed
    from {{ ref('asana__weekly_throughput') }}
)
select *
from totals
where created <> (select count(*) from {{ ref('stg_asana__tasks') }} where created_at is not null)
   or completed <> (select count(*) from {{ ref('stg_asana__tasks') }} where is_completed and completed_at is not null)
