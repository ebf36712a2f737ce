output "alb_arn" {
  description = "ARN of the internal ALB."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the ALB (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "Private DNS name of the internal ALB."
  value       = aws_lb.this.dns_name
}

output "target_group_arn" {
  description = "ARN of the target group, available once a listener forwards to it (ECS refuses a target group without a load balancer)."
  value       = aws_lb_target_group.this.arn
  # Orders only what consumes this output (the ECS service) after the listener; a
  # module-wide depends_on would defer every data source in ecs_service to apply time
  # and register a spurious task-definition revision on each plan.
  depends_on = [aws_lb_listener.http, aws_lb_listener.https]
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch dimension TargetGroup)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "listener_arn" {
  description = "ARN of the listener the API Gateway integration targets."
  value       = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
}

output "listener_port" {
  description = "Port of that listener."
  value       = local.https ? 443 : 80
}
