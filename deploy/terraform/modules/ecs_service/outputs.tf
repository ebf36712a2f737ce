output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ECS cluster ARN."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "task_family" {
  description = "Task definition family (the deploy workflow registers new revisions of it)."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "Task definition revision registered by Terraform (the release template)."
  value       = aws_ecs_task_definition.this.arn
}

output "container_name" {
  description = "Name of the application container."
  value       = local.container_name
}

output "log_group_name" {
  description = "Application log group."
  value       = aws_cloudwatch_log_group.app.name
}

output "execution_role_arn" {
  description = "Task execution role (ECS agent)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "Task role (application; no permissions)."
  value       = aws_iam_role.task.arn
}

output "service_arn" {
  description = "ECS service ARN."
  value       = aws_ecs_service.this.id
}

output "release_parameter_name" {
  description = "SSM parameter holding Terraform's task-definition ARN (deploy/release.sh RELEASE_PARAMETER)."
  value       = aws_ssm_parameter.release_template.name
}

output "release_parameter_arn" {
  description = "ARN of that parameter (the deploy role may read it)."
  value       = aws_ssm_parameter.release_template.arn
}
