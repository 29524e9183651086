-- Minutes tracked per project, user and week. The project is the entry's `attributable_to` project,
-- else the task's project (asana__task.project_gid), so each entry counts once.
select
    coalesce(e.attributable_project_gid, t.project_gid) as project_gid,
    p.project_name,
    e.user_gid,
    u.user_name,
    cast(date_trunc('week', e.entered_on) as date) as week_start,
    count(*) as entry_count,
    sum(e.duration_minutes) as minutes,
    sum(case when e.billable_status = 'billable' then e.duration_minutes else 0 end) as billable_minutes
from {{ ref('stg_asana__time_tracking_entries') }} as e
left join {{ ref('asana__task') }} as t on t.task_gid = e.task_gid
left join {{ ref('stg_asana__projects') }} as p
    on p.project_gid = coalesce(e.attributable_project_gid, t.project_gid)
left join {{ ref('stg_asana__users') }} as u on u.user_gid = e.user_gid
group by 1, 2, 3, 4, 5
