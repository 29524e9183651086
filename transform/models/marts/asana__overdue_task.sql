-- Open tasks past their due date, with how late they are, for the overdue-by-project/assignee views.
select
    task_gid,
    task_name,
    project_gid,
    coalesce(project_name, '(no project)') as project_name,
    assignee_gid,
    coalesce(assignee_name, '(unassigned)') as assignee_name,
    due_on,
    current_date - due_on as days_overdue
from {{ ref('asana__task') }}
where is_overdue
