-- One row per (task, section): where a task sits on each of its projects' boards.
select distinct
    t.task_gid,
    {{ json_text('m.value', ['section', 'gid']) }} as section_gid,
    {{ json_text('m.value', ['project', 'gid']) }} as project_gid
from {{ ref('stg_asana__tasks') }} as t
cross join {{ json_array_elements('t.memberships', 'm') }}
where {{ json_text('m.value', ['section', 'gid']) }} is not null
