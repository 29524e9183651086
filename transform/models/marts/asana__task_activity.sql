-- Per task, what its stories tell: comments, assignments and moves between sections, with their dates.
-- asana__task carries these columns too; this table keeps them apart for models that need only them.
with stories as (
    select task_gid, created_at, resource_subtype, new_section_gid
    from {{ ref('stg_asana__stories') }}
    where task_gid is not null
)

select
    t.task_gid,
    sum(case when s.resource_subtype = 'comment_added' then 1 else 0 end) as comment_count,
    min(case when s.resource_subtype = 'comment_added' then s.created_at end) as first_comment_at,
    max(case when s.resource_subtype = 'comment_added' then s.created_at end) as last_comment_at,
    sum(case when s.resource_subtype = 'assigned' then 1 else 0 end) as assignment_count,
    -- every assignment after the first hands the task to someone else
    greatest(sum(case when s.resource_subtype = 'assigned' then 1 else 0 end) - 1, 0) as reassignment_count,
    min(case when s.resource_subtype = 'assigned' then s.created_at end) as first_assigned_at,
    max(case when s.resource_subtype = 'assigned' then s.created_at end) as last_assigned_at,
    sum(case when s.resource_subtype = 'section_changed' then 1 else 0 end) as section_change_count,
    max(case when s.resource_subtype = 'section_changed' then s.created_at end) as last_section_change_at,
    sum(case when s.resource_subtype in ('marked_complete', 'marked_incomplete') then 1 else 0 end)
        as completion_change_count,
    sum(case when s.resource_subtype = 'marked_incomplete' then 1 else 0 end) as reopened_count
from {{ ref('stg_asana__tasks') }} as t
left join stories as s on s.task_gid = t.task_gid
group by t.task_gid
