-- Tags with the tasks that carry them, as Fivetran's dbt_asana `asana__tag` gives them.
select
    tg.tag_gid,
    tg.tag_name,
    tg.color,
    tg.workspace_gid,
    count(t.task_gid) as task_count,
    sum(case when t.task_gid is not null and not coalesce(t.is_completed, false) then 1 else 0 end) as open_task_count,
    sum(case when t.is_completed then 1 else 0 end) as completed_task_count,
    sum(case when t.is_overdue then 1 else 0 end) as overdue_task_count,
    max(t.completed_at) as last_completed_at
from {{ ref('stg_asana__tags') }} as tg
left join {{ ref('asana__task_tag') }} as tt on tt.tag_gid = tg.tag_gid
left join {{ ref('asana__task') }} as t on t.task_gid = tt.task_gid
group by tg.tag_gid, tg.tag_name, tg.color, tg.workspace_gid
