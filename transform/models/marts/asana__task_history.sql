-- What happened to each task, in order, from its stories: comments and system events
-- (stories on goals, portfolios and projects are left out). Only live tasks: Asana's events name a deleted
-- task, not its stories, so those stay in the raw table without a tombstone.
select
    s.story_gid,
    s.task_gid,
    row_number() over (partition by s.task_gid order by s.created_at, s.story_gid) as event_number,
    s.created_at,
    cast(s.created_at as date) as created_on,
    s.story_type,
    s.resource_subtype as event_type,
    case
        when s.resource_subtype = 'comment_added' then 'comment'
        when s.resource_subtype in ('assigned', 'unassigned') then 'assignment'
        when s.resource_subtype in ('marked_complete', 'marked_incomplete') then 'completion'
        when s.resource_subtype like '%due_date%' or s.resource_subtype like '%dates%' then 'schedule'
        when s.resource_subtype like '%section%' or s.resource_subtype like '%project%' then 'placement'
        when s.resource_subtype like '%custom_field%' or s.resource_subtype like '%enum%' then 'custom_field'
        else 'other'
    end as event_category,
    s.created_by_gid as actor_gid,
    u.user_name as actor_name,
    s.assignee_gid,
    s.project_gid,
    s.old_section_gid,
    s.new_section_gid,
    s.new_due_on,
    s.text
from {{ ref('stg_asana__stories') }} as s
join {{ ref('stg_asana__tasks') }} as t on t.task_gid = s.task_gid
left join {{ ref('stg_asana__users') }} as u on u.user_gid = s.created_by_gid
