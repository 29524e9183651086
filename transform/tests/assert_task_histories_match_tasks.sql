-- The histories end where the tasks are now: each task has one current status spell, in its status, and one
-- current stay per project it is in, in the section it sits in there (none in projects it has left).
with spells as (
    select t.task_gid, count(h.task_gid) as current_spells,
        max(h.status) as current_status,
        max(case when t.is_completed then 'completed' else 'open' end) as task_status
    from {{ ref('asana__task') }} as t
    left join {{ ref('asana__task_status_history') }} as h on h.task_gid = t.task_gid and h.is_current
    group by t.task_gid
),

current_stays as (
    select task_gid, project_gid, count(*) as stays, max(section_gid) as section_gid
    from {{ ref('asana__task_section_history') }}
    where is_current
    group by task_gid, project_gid
),

sections_now as (
    select pt.task_gid, pt.project_gid, min(ts.section_gid) as section_gid
    from {{ ref('asana__project_task') }} as pt
    left join {{ ref('asana__task_section') }} as ts on ts.task_gid = pt.task_gid and ts.project_gid = pt.project_gid
    group by pt.task_gid, pt.project_gid
)

select task_gid, null as project_gid, 'status: ' || cast(current_spells as varchar) || ' current spells' as problem
from spells
where current_spells <> 1 or current_status <> task_status
union all
select coalesce(n.task_gid, c.task_gid), coalesce(n.project_gid, c.project_gid), 'section: current stay differs'
from sections_now as n
full outer join current_stays as c on c.task_gid = n.task_gid and c.project_gid = n.project_gid
where n.task_gid is null
    or c.task_gid is null
    or c.stays <> 1
    or c.section_gid is distinct from n.section_gid
