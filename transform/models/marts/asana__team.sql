-- Teams with their projects and the tasks in them (a task counts for the team of its project; a subtask
-- takes its nearest ancestor's project), as Fivetran's dbt_asana `asana__team` gives them.
with projects as (
    select team_gid, count(*) as project_count, sum(case when is_archived then 0 else 1 end) as active_project_count
    from {{ ref('stg_asana__projects') }}
    where team_gid is not null
    group by team_gid
),

tasks as (
    select
        p.team_gid,
        sum(case when not coalesce(t.is_completed, false) then 1 else 0 end) as open_task_count,
        sum(case when t.is_completed then 1 else 0 end) as completed_task_count,
        sum(case when t.is_overdue then 1 else 0 end) as overdue_task_count,
        max(t.completed_at) as last_completed_at
    from {{ ref('asana__task') }} as t
    join {{ ref('stg_asana__projects') }} as p on p.project_gid = t.project_gid
    where p.team_gid is not null
    group by p.team_gid
)

select
    tm.team_gid,
    tm.team_name,
    coalesce(p.project_count, 0) as project_count,
    coalesce(p.active_project_count, 0) as active_project_count,
    coalesce(t.open_task_count, 0) as open_task_count,
    coalesce(t.completed_task_count, 0) as completed_task_count,
    coalesce(t.overdue_task_count, 0) as overdue_task_count,
    t.last_completed_at
from {{ ref('stg_asana__teams') }} as tm
left join projects as p on p.team_gid = tm.team_gid
left join tasks as t on t.team_gid = tm.team_gid
