-- Every day, not only today: a group's open tasks are the tasks created so far less those completed so far
-- (a group with no task created yet has none open).
select *
from (
    select
        date_day,
        workspace_gid,
        project_gid,
        open_count,
        sum(created_count - completed_count) over (
            partition by workspace_gid, project_gid order by date_day rows unbounded preceding
        ) as balance
    from {{ ref('asana__daily_metrics') }}
) as days
where open_count <> balance
