select distinct
    t.task_gid,
    {{ json_text('e.value', 'gid') }} as user_gid
from {{ ref('stg_asana__tasks') }} as t
cross join {{ json_array_elements('t.followers', 'e') }}
where {{ json_text('e.value', 'gid') }} is not null
