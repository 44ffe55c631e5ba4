// Instances per project per host: how each project's instances and their vCPU, memory and
// disk spread over the compute nodes.
// Parameters:
//   $project_id (string, optional): only this project
MATCH (c:ComputeNode)-[:HOSTS]->(i:Instance)
WHERE $project_id IS NULL OR i.project_id = $project_id
RETURN i.project_id AS project_id, c.hostname AS hostname, count(i) AS instances,
       sum(i.vcpus) AS vcpus, sum(i.memory_mb) AS memory_mb, sum(i.disk_gb) AS disk_gb
ORDER BY project_id, hostname
