-- Tasks created and completed per week (weeks start on Monday).
with created as (
    select cast(date_trunc('week', created_at) as date) as week_start, count(*) as created_count
    from {{ ref('stg_asana__tasks') }}
    where created_at is not null
    group by 1
),

completed as (
    select cast(date_trunc('week', completed_at) as date) as week_start, count(*) as completed_count
    from {{ ref('stg_asana__tasks') }}
    where is_completed and completed_at is not null
    group by 1
)

select
    coalesce(c.week_start, d.week_start) as week_start,
    coalesce(c.created_count, 0) as created_count,
    coalesce(d.completed_count, 0) as completed_count
from created as c
full outer join completed as d on d.week_start = c.week_start
