-- Goals with owner, time period, metric progress and latest status.
select
    g.goal_gid,
    g.goal_name,
    g.status,
    coalesce(g.status, su.status_type, 'no_status') as status_label,
    g.is_workspace_level,
    g.owner_gid,
    u.user_name as owner_name,
    g.team_gid,
    tm.team_name,
    g.time_period_gid,
    tp.time_period_name,
    g.start_on,
    g.due_on,
    g.metric_unit,
    g.metric_initial_value,
    g.metric_target_value,
    g.metric_current_value,
    case
        when g.metric_target_value is null or g.metric_current_value is null then null
        when g.metric_target_value = coalesce(g.metric_initial_value, 0) then null
        else round(cast(100.0 * (g.metric_current_value - coalesce(g.metric_initial_value, 0))
                   / (g.metric_target_value - coalesce(g.metric_initial_value, 0)) as numeric), 1)
    end as progress_pct,
    su.status_type as latest_status_type,
    su.created_at as latest_status_at,
    (select count(*) from {{ ref('stg_asana__goal_relationships') }} as r
        where r.supported_goal_gid = g.goal_gid) as supporting_count
from {{ ref('stg_asana__goals') }} as g
left join {{ ref('stg_asana__users') }} as u on u.user_gid = g.owner_gid
left join {{ ref('stg_asana__teams') }} as tm on tm.team_gid = g.team_gid
left join {{ ref('stg_asana__time_periods') }} as tp on tp.time_period_gid = g.time_period_gid
left join {{ ref('stg_asana__status_updates') }} as su on su.status_update_gid = g.current_status_update_gid
