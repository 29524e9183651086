-- Each task's spells as open or completed, from its stories: open from its creation, completed from each
-- `marked_complete` story, open again from each `marked_incomplete` one. When the stories end in another
-- status than the task has now (a story not loaded, or a task created already complete), a last spell from
-- the task itself (`completed_at`, else `modified_at`) closes the gap, so the current spell is always the
-- task's status.
with changes as (
    select
        1 as phase,
        s.story_gid,
        s.task_gid,
        s.created_at,
        s.resource_subtype as changed_by,
        case when s.resource_subtype = 'marked_complete' then 'completed' else 'open' end as status
    from {{ ref('stg_asana__stories') }} as s
    -- a deleted task's stories are left out with it
    join {{ ref('stg_asana__tasks') }} as t on t.task_gid = s.task_gid
    where s.resource_subtype in ('marked_complete', 'marked_incomplete')
),

last_change as (
    select task_gid, status
    from (
        select task_gid, status, row_number() over (partition by task_gid order by created_at desc, story_gid desc) as n
        from changes
    ) as ranked
    where n = 1
),

spells as (
    select 0 as phase, cast(null as varchar) as story_gid, task_gid, created_at, 'created' as changed_by,
        'open' as status
    from {{ ref('stg_asana__tasks') }}
    union all
    select phase, story_gid, task_gid, created_at, changed_by, status from changes
    union all
    select
        2,
        null,
        t.task_gid,
        case when t.is_completed then coalesce(t.completed_at, t.modified_at) else t.modified_at end,
        'task_state',
        case when t.is_completed then 'completed' else 'open' end
    from {{ ref('stg_asana__tasks') }} as t
    left join last_change as lc on lc.task_gid = t.task_gid
    where (case when t.is_completed then 'completed' else 'open' end) <> coalesce(lc.status, 'open')
),

ordered as (
    select
        s.*,
        row_number() over w as spell_number,
        lead(s.created_at) over w as ended_at
    from spells as s
    window w as (partition by s.task_gid order by s.phase, s.created_at, s.story_gid)
)

select
    task_gid,
    spell_number,
    status,
    changed_by,
    story_gid as changed_story_gid,
    created_at as started_at,
    ended_at,
    ended_at is null as is_current,
    coalesce(cast(ended_at as date), current_date) - cast(created_at as date) as days_in_status
from ordered
