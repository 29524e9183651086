-- Teams and tags count each of their tasks once: their sums agree with the link tables.
select *
from (
    select
        'tag' as kind,
        (select sum(task_count) from {{ ref('asana__tag') }}) as counted,
        (select count(*) from {{ ref('asana__task_tag') }} as tt
         join {{ ref('asana__task') }} as t on t.task_gid = tt.task_gid
         join {{ ref('stg_asana__tags') }} as tg on tg.tag_gid = tt.tag_gid) as expected
    union all
    select
        'team',
        (select sum(open_task_count + completed_task_count) from {{ ref('asana__team') }}),
        (select count(*) from {{ ref('asana__task') }} as t
         join {{ ref('stg_asana__projects') }} as p on p.project_gid = t.project_gid
         where p.team_gid in (select team_gid from {{ ref('stg_asana__teams') }}))
) as sums
where coalesce(counted, 0) <> expected
