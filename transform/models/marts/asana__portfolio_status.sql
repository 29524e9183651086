-- Each portfolio's items with their latest status: the roll-up a portfolio owner reviews.
select
    pf.portfolio_gid,
    pf.portfolio_name,
    pfs.status_type as portfolio_status_type,
    i.item_gid,
    i.item_type,
    coalesce(p.project_name, i.item_name) as item_name,
    p.latest_status_type as item_status_type,
    p.current_status_color as item_status_color,
    p.task_count,
    p.open_task_count,
    p.overdue_task_count,
    p.is_completed as item_is_completed
from {{ ref('stg_asana__portfolios') }} as pf
join {{ ref('stg_asana__portfolio_items') }} as i on i.portfolio_gid = pf.portfolio_gid
left join {{ ref('asana__project') }} as p on p.project_gid = i.item_gid
left join {{ ref('stg_asana__status_updates') }} as pfs on pfs.status_update_gid = pf.current_status_update_gid
