-- One row per (project, task): the tasks a project lists directly (Fivetran's project_task).
select distinct
    {{ json_text('m.value', ['project', 'gid']) }} as project_gid,
    t.task_gid
from {{ ref('stg_asana__tasks') }} as t
cross join {{ json_array_elements('t.memberships', 'm') }}
where {{ json_text('m.value', ['project', 'gid']) }} is not null
