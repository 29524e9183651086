-- Projects with task counts, latest status and time tracked.
with task_counts as (
    select
        pt.project_gid,
        count(*) as task_count,
        sum(case when t.is_completed then 1 else 0 end) as completed_task_count,
        sum(case when not coalesce(t.is_completed, false) then 1 else 0 end) as open_task_count,
        sum(case when not coalesce(t.is_completed, false)
                  and coalesce(t.due_on, cast(t.due_at as date)) < current_date then 1 else 0 end)
            as overdue_task_count
    from {{ ref('asana__project_task') }} as pt
    join {{ ref('stg_asana__tasks') }} as t on t.task_gid = pt.task_gid
    group by pt.project_gid
),

minutes as (
    select project_gid, sum(minutes) as minutes_tracked
    from {{ ref('asana__time_tracking') }}
    group by project_gid
)

select
    p.project_gid,
    p.project_name,
    p.workspace_gid,
    p.team_gid,
    tm.team_name,
    p.owner_gid,
    u.user_name as owner_name,
    p.is_archived,
    p.is_completed,
    p.created_at,
    p.start_on,
    p.due_on,
    p.current_status_color,
    su.status_type as latest_status_type,
    su.title as latest_status_title,
    su.created_at as latest_status_at,
    coalesce(tc.task_count, 0) as task_count,
    coalesce(tc.completed_task_count, 0) as completed_task_count,
    coalesce(tc.open_task_count, 0) as open_task_count,
    coalesce(tc.overdue_task_count, 0) as overdue_task_count,
    coalesce(m.minutes_tracked, 0) as minutes_tracked,
    p.permalink_url
from {{ ref('stg_asana__projects') }} as p
left join {{ ref('stg_asana__teams') }} as tm on tm.team_gid = p.team_gid
left join {{ ref('stg_asana__users') }} as u on u.user_gid = p.owner_gid
left join {{ ref('stg_asana__status_updates') }} as su on su.status_update_gid = p.current_status_update_gid
left join task_counts as tc on tc.project_gid = p.project_gid
left join minutes as m on m.project_gid = p.project_gid
