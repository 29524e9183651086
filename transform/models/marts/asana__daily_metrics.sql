-- One row per day, workspace and project (a subtask counts for its nearest ancestor's project; tasks in no
-- project have a null project_gid), every day from the first task's creation to today with no gaps: tasks
-- created and completed that day, and open, open and assigned, and overdue at the end of it. Sum the rows
-- for a workspace or (by team_gid) a team; Fivetran's dbt_asana `asana__daily_metrics` is one row per day.
with recursive tasks as (
    select
        task_gid,
        workspace_gid,
        project_gid,
        assignee_gid,
        cast(created_at as date) as created_on,
        cast(completed_at as date) as completed_on,
        due_on
    from {{ ref('asana__task') }}
    where created_at is not null
),

days (date_day) as (
    select min(created_on) from tasks
    union all
    select cast(date_day + interval '1 day' as date) from days where date_day < current_date
),

groups as (
    select distinct workspace_gid, project_gid from tasks
)

select
    d.date_day,
    g.workspace_gid,
    g.project_gid,
    p.team_gid,
    sum(case when t.created_on = d.date_day then 1 else 0 end) as created_count,
    sum(case when t.completed_on = d.date_day then 1 else 0 end) as completed_count,
    -- a group with no task created yet still has its row (the left join's null task): it counts nothing
    sum(case when t.task_gid is not null and (t.completed_on is null or t.completed_on > d.date_day)
        then 1 else 0 end) as open_count,
    sum(
        case when (t.completed_on is null or t.completed_on > d.date_day) and t.assignee_gid is not null
            then 1 else 0 end
    ) as open_assigned_count,
    sum(
        case when (t.completed_on is null or t.completed_on > d.date_day) and t.due_on < d.date_day
            then 1 else 0 end
    ) as overdue_count
from days as d
cross join groups as g
left join tasks as t
    on t.workspace_gid = g.workspace_gid
    and t.project_gid is not distinct from g.project_gid
    and t.created_on <= d.date_day
left join {{ ref('stg_asana__projects') }} as p on p.project_gid = g.project_gid
where d.date_day is not null
group by d.date_day, g.workspace_gid, g.project_gid, p.team_gid
