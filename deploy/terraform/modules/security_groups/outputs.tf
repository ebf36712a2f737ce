output "vpc_link_security_group_id" {
  description = "Security group of the API Gateway VPC link."
  value       = aws_security_group.vpc_link.id
}

output "alb_security_group_id" {
  description = "Security group of the internal ALB."
  value       = aws_security_group.alb.id
}

output "tasks_security_group_id" {
  description = "Security group of the ECS tasks."
  value       = aws_security_group.tasks.id
}
