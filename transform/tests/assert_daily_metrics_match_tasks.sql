-- Today's rows agree with asana__task: open, overdue and created tasks per workspace.
with today as (
    select workspace_gid, sum(open_count) as open_count, sum(overdue_count) as overdue_count
    from {{ ref('asana__daily_metrics') }}
    where date_day = current_date
    group by workspace_gid
),

created as (
    select workspace_gid, sum(created_count) as created_count
    from {{ ref('asana__daily_metrics') }}
    group by workspace_gid
),

tasks as (
    select
        workspace_gid,
        sum(case when not coalesce(is_completed, false) then 1 else 0 end) as open_count,
        sum(case when is_overdue then 1 else 0 end) as overdue_count,
        count(*) as created_count
    from {{ ref('asana__task') }}
    where created_at is not null
    group by workspace_gid
)

select t.workspace_gid, t.open_count, d.open_count as metric_open, t.overdue_count, d.overdue_count as metric_overdue
from tasks as t
left join today as d on d.workspace_gid = t.workspace_gid
left join created as c on c.workspace_gid = t.workspace_gid
where coalesce(d.open_count, -1) <> t.open_count
   or coalesce(d.overdue_count, -1) <> t.overdue_count
   or coalesce(c.created_count, -1) <> t.created_count
