// Analysts count instances per project.
CREATE RANGE INDEX instance_project_id IF NOT EXISTS
FOR (i:Instance) ON (i.project_id)
