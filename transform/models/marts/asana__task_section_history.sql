-- Where each task sat on each of its projects' boards over time, from its stories: one row per stay in a
-- section. A stay starts when the task enters the project (an `added_to_project` story, or its creation when
-- the project's first story about it is something else or there is none: a task created in the project) or
-- is moved to another section (`section_changed`, "moved this task from X to Y"); it ends at the next of these
-- or at `removed_from_project`. A stay that began on entering the project is in the section the next move
-- left (its old_section); with no later move, the section the task is in now (null if it has left since).
-- When the task's membership contradicts where its last story left it, a `task_state` stay ends the list.
with moves as (
    select
        s.story_gid,
        s.task_gid,
        -- Asana's section_changed stories may leave `project` out: the new section says which board it is.
        coalesce(s.project_gid, ns.project_gid) as project_gid,
        s.created_at,
        s.resource_subtype,
        s.old_section_gid,
        s.new_section_gid
    from {{ ref('stg_asana__stories') }} as s
    -- a deleted task's stories are left out with it
    join {{ ref('stg_asana__tasks') }} as t on t.task_gid = s.task_gid
    left join {{ ref('stg_asana__sections') }} as ns on ns.section_gid = s.new_section_gid
    where s.resource_subtype in ('added_to_project', 'section_changed', 'removed_from_project')
),

current_home as (
    select pt.task_gid, pt.project_gid, ts.section_gid
    from {{ ref('asana__project_task') }} as pt
    left join (
        select task_gid, project_gid, min(section_gid) as section_gid
        from {{ ref('asana__task_section') }}
        group by task_gid, project_gid
    ) as ts on ts.task_gid = pt.task_gid and ts.project_gid = pt.project_gid
),

ranked as (
    select
        task_gid,
        project_gid,
        resource_subtype,
        new_section_gid,
        row_number() over (partition by task_gid, project_gid order by created_at, story_gid) as n,
        row_number() over (partition by task_gid, project_gid order by created_at desc, story_gid desc) as n_desc
    from moves
    where project_gid is not null
),

first_story as (
    select task_gid, project_gid, resource_subtype from ranked where n = 1
),

-- Where the stories leave a task that is in the project now somewhere else (a removal, or a move to another
-- section, that the membership contradicts: a story not loaded), the membership wins, in a last stay whose
-- start no story tells.
unexplained as (
    select ch.task_gid, ch.project_gid, ch.section_gid
    from current_home as ch
    join ranked as l on l.task_gid = ch.task_gid and l.project_gid = ch.project_gid and l.n_desc = 1
    where l.resource_subtype = 'removed_from_project'
        or (l.resource_subtype = 'section_changed' and l.new_section_gid is distinct from ch.section_gid)
),

homes as (
    select task_gid, project_gid from first_story
    union
    select task_gid, project_gid from current_home
),

events as (
    select 1 as phase, story_gid, task_gid, project_gid, created_at, resource_subtype, old_section_gid,
        new_section_gid
    from moves
    where project_gid is not null
    union all
    select 0, null, h.task_gid, h.project_gid, t.created_at, 'created_in_project', null, null
    from homes as h
    join {{ ref('stg_asana__tasks') }} as t on t.task_gid = h.task_gid
    left join first_story as f on f.task_gid = h.task_gid and f.project_gid = h.project_gid
    where f.resource_subtype is null or f.resource_subtype <> 'added_to_project'
    union all
    select 2, null, task_gid, project_gid, null, 'task_state', null, section_gid
    from unexplained
),

ordered as (
    select
        e.*,
        lead(e.resource_subtype) over w as next_subtype,
        lead(e.created_at) over w as next_at,
        lead(e.old_section_gid) over w as next_old_section_gid
    from events as e
    window w as (partition by e.task_gid, e.project_gid order by e.phase, e.created_at, e.story_gid)
),

stays as (
    select
        o.task_gid,
        o.project_gid,
        case
            when o.resource_subtype in ('section_changed', 'task_state') then o.new_section_gid
            when o.next_subtype = 'section_changed' then o.next_old_section_gid
            when o.next_subtype is null then ch.section_gid
        end as section_gid,
        o.resource_subtype as entered_by,
        o.story_gid as entered_story_gid,
        o.created_at as entered_at,
        o.next_at as exited_at,
        case
            when o.next_subtype = 'section_changed' then 'moved'
            when o.next_subtype is not null then o.next_subtype
        end as exited_by,
        (o.next_subtype is null and ch.task_gid is not null) as is_current,
        o.phase
    from ordered as o
    left join current_home as ch on ch.task_gid = o.task_gid and ch.project_gid = o.project_gid
    where o.resource_subtype <> 'removed_from_project'
)

select
    s.task_gid,
    s.project_gid,
    p.project_name,
    row_number() over (
        partition by s.task_gid, s.project_gid order by s.phase, s.entered_at, s.entered_story_gid
    ) as stay_number,
    s.section_gid,
    sec.section_name,
    s.entered_by,
    s.entered_story_gid,
    s.entered_at,
    s.exited_at,
    s.exited_by,
    s.is_current,
    case when s.exited_at is not null or s.is_current then
        coalesce(cast(s.exited_at as date), current_date) - cast(s.entered_at as date)
    end as days_in_section
from stays as s
left join {{ ref('stg_asana__projects') }} as p on p.project_gid = s.project_gid
left join {{ ref('stg_asana__sections') }} as sec on sec.section_gid = s.section_gid
