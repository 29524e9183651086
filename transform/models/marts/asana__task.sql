-- Tasks with their project, section, assignee, flattened custom fields (`custom_<field name>`), and measures:
-- days open, days to complete, followers, what their stories tell (asana__task_activity), and since when the
-- task is in its section (asana__task_section_history).
-- A task in several projects gets the one with the lowest gid as `project_gid` (all of them are in
-- `project_names` and asana__project_task); a subtask in no project takes its nearest ancestor's.
{%- set custom_fields = custom_field_columns() %}

with recursive projects_of_task as (
    select
        pt.task_gid,
        min(pt.project_gid) as project_gid,
        count(*) as project_count,
        string_agg(p.project_name, ', ' order by p.project_name) as project_names
    from {{ ref('asana__project_task') }} as pt
    left join {{ ref('stg_asana__projects') }} as p on p.project_gid = pt.project_gid
    group by pt.task_gid
),

tags_of_task as (
    select tt.task_gid, string_agg(tg.tag_name, ', ' order by tg.tag_name) as tag_names
    from {{ ref('asana__task_tag') }} as tt
    left join {{ ref('stg_asana__tags') }} as tg on tg.tag_gid = tt.tag_gid
    group by tt.task_gid
),

custom_values as (
    select
        task_gid
        {%- for field in custom_fields %},
        max(case when custom_field_gid in ('{{ field.gids | join("', '") }}')
            then {{ custom_field_value(field.kind) }} end) as {{ field.column }}
        {%- endfor %}
    from {{ ref('asana__task_custom_field') }}
    group by task_gid
),

-- Subtasks are rarely in a project themselves: walk up to the nearest ancestor that is.
inherited_project (task_gid, ancestor_gid, project_gid, depth) as (
    select t.task_gid, t.parent_task_gid, pot.project_gid, 0
    from {{ ref('stg_asana__tasks') }} as t
    left join projects_of_task as pot on pot.task_gid = t.task_gid
    union all
    select ip.task_gid, parent.parent_task_gid, ppot.project_gid, ip.depth + 1
    from inherited_project as ip
    join {{ ref('stg_asana__tasks') }} as parent on parent.task_gid = ip.ancestor_gid
    left join projects_of_task as ppot on ppot.task_gid = parent.task_gid
    where ip.project_gid is null and ip.depth < 20
),

nearest_project as (
    select task_gid, min(project_gid) as project_gid
    from inherited_project
    where project_gid is not null
    group by task_gid
),

tasks as (
    select
        t.*,
        np.project_gid as primary_project_gid,
        coalesce(pot.project_count, 0) as project_count,
        pot.project_names
    from {{ ref('stg_asana__tasks') }} as t
    left join projects_of_task as pot on pot.task_gid = t.task_gid
    left join nearest_project as np on np.task_gid = t.task_gid
)

select
    t.task_gid,
    t.task_name,
    t.resource_subtype,
    t.workspace_gid,
    t.primary_project_gid as project_gid,
    p.project_name,
    t.project_count,
    t.project_names,
    ts.section_gid,
    s.section_name,
    t.assignee_gid,
    a.user_name as assignee_name,
    a.email as assignee_email,
    t.parent_task_gid,
    t.parent_task_gid is not null as is_subtask,
    t.num_subtasks,
    t.is_completed,
    t.created_at,
    t.completed_at,
    t.modified_at,
    t.start_on,
    coalesce(t.due_on, cast(t.due_at as date)) as due_on,
    (not coalesce(t.is_completed, false)
        and coalesce(t.due_on, cast(t.due_at as date)) < current_date) as is_overdue,
    tg.tag_names,
    t.actual_time_minutes,
    t.permalink_url,
    coalesce(cast(t.completed_at as date), current_date) - cast(t.created_at as date) as days_open,
    case when t.is_completed then cast(t.completed_at as date) - cast(t.created_at as date) end
        as days_to_complete,
    coalesce(fc.follower_count, 0) as follower_count,
    act.comment_count,
    act.first_comment_at,
    act.last_comment_at,
    act.assignment_count,
    act.reassignment_count,
    act.first_assigned_at,
    act.last_assigned_at,
    act.section_change_count,
    act.last_section_change_at,
    act.reopened_count,
    sh.entered_at as section_entered_at,
    sh.days_in_section
    {%- for field in custom_fields %},
    cv.{{ field.column }}
    {%- endfor %}
from tasks as t
left join {{ ref('stg_asana__projects') }} as p on p.project_gid = t.primary_project_gid
left join (
    select task_gid, project_gid, min(section_gid) as section_gid
    from {{ ref('asana__task_section') }}
    group by task_gid, project_gid
) as ts on ts.task_gid = t.task_gid and ts.project_gid = t.primary_project_gid
left join {{ ref('stg_asana__sections') }} as s on s.section_gid = ts.section_gid
left join {{ ref('stg_asana__users') }} as a on a.user_gid = t.assignee_gid
left join tags_of_task as tg on tg.task_gid = t.task_gid
left join custom_values as cv on cv.task_gid = t.task_gid
left join {{ ref('asana__task_activity') }} as act on act.task_gid = t.task_gid
-- the current stay in the section shown (one per task and project: tests/assert_task_histories_match_tasks.sql)
left join {{ ref('asana__task_section_history') }} as sh
    on sh.task_gid = t.task_gid and sh.project_gid = t.primary_project_gid and sh.is_current
left join (
    select task_gid, count(*) as follower_count from {{ ref('asana__task_follower') }} group by task_gid
) as fc on fc.task_gid = t.task_gid
