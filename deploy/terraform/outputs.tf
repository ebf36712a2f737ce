output "invoke_url" {
  description = "Public invoke URL of the API (prod stage), e.g. curl \"$(terraform output -raw invoke_url)/readyz\"."
  value       = module.api_gateway.invoke_url
}

output "aws_region" {
  description = "Region of the deployment."
  value       = var.aws_region
}

output "api_id" {
  description = "HTTP API ID."
  value       = module.api_gateway.api_id
}

output "ecr_repository_url" {
  description = "Push images here (tags are immutable); deploy workflow variable ECR_REPOSITORY_URL."
  value       = module.ecr.repository_url
}

output "ecr_build_cache_url" {
  description = "BuildKit cache repository for CodeBuild (buildspec.yml ECR_BUILD_CACHE_URL)."
  value       = module.ecr.build_cache_url
}

output "release_parameter_name" {
  description = "SSM parameter with Terraform's task-definition revision (deploy/release.sh RELEASE_PARAMETER)."
  value       = module.ecs_service.release_parameter_name
}

output "api_route_keys" {
  description = "Routes API Gateway exposes; anything else is API Gateway's 404."
  value       = module.api_gateway.route_keys
}

output "ecs_cluster_name" {
  description = "ECS cluster (deploy workflow input ECS_CLUSTER)."
  value       = module.ecs_service.cluster_name
}

output "ecs_service_name" {
  description = "ECS service (deploy workflow input ECS_SERVICE)."
  value       = module.ecs_service.service_name
}

output "ecs_task_family" {
  description = "Task definition family."
  value       = module.ecs_service.task_family
}

output "ecs_container_name" {
  description = "Application container name in the task definition."
  value       = module.ecs_service.container_name
}

output "app_log_group_name" {
  description = "CloudWatch log group with the app's JSON logs."
  value       = module.ecs_service.log_group_name
}

output "alb_internal_dns_name" {
  description = "Private DNS name of the internal ALB (resolvable inside the VPC only)."
  value       = module.alb.alb_dns_name
}

output "nat_public_ips" {
  description = "Egress IPs the upstream APIs see (for allow-listing)."
  value       = module.network.nat_public_ips
}

output "sports_api_key_parameter_name" {
  description = "SSM SecureString holding SPORTS_API_KEY."
  value       = module.secrets.sports_api_key_parameter_name
}

output "admin_token_parameter_name" {
  description = "SSM SecureString holding SPORTSGATE_ADMIN_TOKEN."
  value       = module.secrets.admin_token_parameter_name
}

output "kms_key_arn" {
  description = "Customer-managed KMS key of this deployment."
  value       = module.kms.key_arn
}

output "alarm_topic_arn" {
  description = "SNS topic for alarms (subscribe on-call here)."
  value       = module.monitoring.alarm_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}

output "ci_deploy_role_arn" {
  description = "Role for .github/workflows/deploy.yml (vars.AWS_DEPLOY_ROLE_ARN); null unless github_repository is set."
  value       = var.github_repository != null ? module.ci_deploy_role[0].role_arn : null
}
