-- People with their open, completed and overdue assigned tasks.
select
    u.user_gid,
    u.user_name,
    u.email,
    sum(case when t.task_gid is not null and not coalesce(t.is_completed, false) then 1 else 0 end)
        as open_task_count,
    sum(case when t.is_completed then 1 else 0 end) as completed_task_count,
    sum(case when t.is_overdue then 1 else 0 end) as overdue_task_count
from {{ ref('stg_asana__users') }} as u
left join {{ ref('asana__task') }} as t on t.assignee_gid = u.user_gid
group by u.user_gid, u.user_name, u.email
