-- Every workspace and project has one row per day from the first day to today, none missing.
select workspace_gid, project_gid, count(*) as days, min(date_day) as first_day, max(date_day) as last_day
from {{ ref('asana__daily_metrics') }}
group by workspace_gid, project_gid
having count(*) <> count(distinct date_day)
    or count(*) <> (max(date_day) - min(date_day)) + 1
    or max(date_day) <> current_date
