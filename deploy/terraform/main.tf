# sportsgate on AWS:
#
#   client --TLS--> API Gateway HTTP API (prod stage, throttling, access logs)
#            --VPC link--> internal ALB (private subnets, SG: VPC link only)
#            --> ECS Fargate service, 2+ tasks (private subnets, SG: ALB only)
#            --> RDS PostgreSQL (5432) and ElastiCache Redis (6379, TLS), SG: tasks only
#            --NAT--> SerpApi / ESPN
#
# Secrets: SSM SecureStrings (KMS) injected with task-definition `secrets`.
# Observability: JSON logs in CloudWatch (KMS, retention), Container Insights,
# alarms to an encrypted SNS topic, one dashboard.

locals {
  name             = "${var.name}-${var.environment}"
  parameter_prefix = "/${var.name}/${var.environment}"
  https_listener   = var.alb_certificate_arn != null
  low_cost         = var.cost_profile == "low_cost"

  tags = merge(
    {
      Application = "sportsgate"
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )

  extra_environment = merge(
    var.serpapi_monthly_budget != null ? { SPORTSGATE_SERPAPI_MONTHLY_BUDGET = tostring(var.serpapi_monthly_budget) } : {},
    var.extra_environment,
  )
}

module "kms" {
  source = "./modules/kms"
  name   = local.name
}

module "network" {
  source             = "./modules/network"
  name               = local.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway || local.low_cost
  # Interface endpoints cost ~$7.30/month per service per AZ; without them the tasks
  # reach ECR, CloudWatch Logs and SSM over HTTPS through the NAT gateway.
  interface_endpoints = local.low_cost ? [] : ["ecr.api", "ecr.dkr", "logs", "ssm"]
  kms_key_arn         = module.kms.key_arn
  log_retention_days  = var.log_retention_days
}

module "ecr" {
  source       = "./modules/ecr"
  name         = local.name
  kms_key_arn  = module.kms.key_arn
  force_delete = var.ecr_force_delete
}

module "secrets" {
  source                = "./modules/secrets"
  parameter_prefix      = local.parameter_prefix
  kms_key_arn           = module.kms.key_arn
  sports_api_key        = var.sports_api_key
  admin_token           = var.admin_token
  secret_values_version = var.secret_values_version
}

module "security_groups" {
  source         = "./modules/security_groups"
  name           = local.name
  vpc_id         = module.network.vpc_id
  listener_port  = local.https_listener ? 443 : 80
  container_port = 8080
}

module "alb" {
  source              = "./modules/alb"
  name                = local.name
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  security_group_id   = module.security_groups.alb_security_group_id
  container_port      = 8080
  certificate_arn     = var.alb_certificate_arn
  deletion_protection = var.alb_deletion_protection
  access_logs_bucket  = var.alb_access_logs_bucket
}

module "data_stores" {
  source                    = "./modules/data_stores"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  tasks_security_group_id   = module.security_groups.tasks_security_group_id
  kms_key_arn               = module.kms.key_arn
  parameter_prefix          = local.parameter_prefix
  log_retention_days        = var.log_retention_days
  db_instance_class         = var.db_instance_class
  db_multi_az               = var.db_multi_az
  db_performance_insights   = var.db_performance_insights
  db_deletion_protection    = var.db_deletion_protection
  db_credentials_version    = var.db_credentials_version
  redis_node_type           = var.redis_node_type
  redis_num_cache_clusters  = var.redis_num_cache_clusters
  redis_credentials_version = var.redis_credentials_version
}

module "ecs_service" {
  source                       = "./modules/ecs_service"
  name                         = local.name
  image                        = "${module.ecr.repository_url}:${var.image_tag}"
  cpu_architecture             = var.cpu_architecture
  task_cpu                     = var.task_cpu
  task_memory                  = var.task_memory
  container_port               = 8080
  desired_count                = var.desired_count
  min_capacity                 = var.min_capacity
  max_capacity                 = var.max_capacity
  cpu_target_percent           = var.cpu_target_percent
  requests_per_target          = var.requests_per_target
  subnet_ids                   = module.network.private_subnet_ids
  security_group_id            = module.security_groups.tasks_security_group_id
  target_group_arn             = module.alb.target_group_arn
  alb_arn_suffix               = module.alb.alb_arn_suffix
  target_group_arn_suffix      = module.alb.target_group_arn_suffix
  ecr_repository_arn           = module.ecr.repository_arn
  kms_key_arn                  = module.kms.key_arn
  log_retention_days           = var.log_retention_days
  sports_api_key_parameter_arn = module.secrets.sports_api_key_parameter_arn
  admin_token_parameter_arn    = module.secrets.admin_token_parameter_arn
  database_url_parameter_arn   = module.data_stores.database_url_parameter_arn
  redis_url_parameter_arn      = module.data_stores.redis_url_parameter_arn
  trusted_proxy_cidrs          = [module.network.vpc_cidr]
  extra_environment            = local.extra_environment
  release_parameter_name       = "${local.parameter_prefix}/release/task-definition-arn"
}

module "api_gateway" {
  source                     = "./modules/api_gateway"
  name                       = local.name
  stage_name                 = "prod"
  subnet_ids                 = module.network.private_subnet_ids
  vpc_link_security_group_id = module.security_groups.vpc_link_security_group_id
  alb_listener_arn           = module.alb.listener_arn
  alb_tls_server_name        = var.alb_tls_server_name
  throttling_burst_limit     = var.api_throttling_burst_limit
  throttling_rate_limit      = var.api_throttling_rate_limit
  expose_admin               = var.expose_admin
  kms_key_arn                = module.kms.key_arn
  log_retention_days         = var.log_retention_days
}

module "monitoring" {
  source                          = "./modules/monitoring"
  name                            = local.name
  kms_key_arn                     = module.kms.key_arn
  alarm_email                     = var.alarm_email
  api_id                          = module.api_gateway.api_id
  api_stage_name                  = module.api_gateway.stage_name
  api_access_log_group_name       = module.api_gateway.access_log_group_name
  alb_arn_suffix                  = module.alb.alb_arn_suffix
  target_group_arn_suffix         = module.alb.target_group_arn_suffix
  ecs_cluster_name                = module.ecs_service.cluster_name
  ecs_service_name                = module.ecs_service.service_name
  app_log_group_name              = module.ecs_service.log_group_name
  rate_limit_log_pattern          = var.rate_limit_log_pattern
  error_rate_threshold_percent    = var.error_rate_threshold_percent
  p99_latency_threshold_seconds   = var.p99_latency_threshold_seconds
  rate_limit_rejections_threshold = var.rate_limit_rejections_threshold
}

module "ci_deploy_role" {
  source                = "./modules/ci_deploy_role"
  count                 = var.github_repository != null ? 1 : 0
  name                  = local.name
  github_repository     = var.github_repository
  github_environment    = var.github_environment
  create_oidc_provider  = var.create_github_oidc_provider
  ecr_repository_arn    = module.ecr.repository_arn
  ecs_service_arn       = module.ecs_service.service_arn
  execution_role_arn    = module.ecs_service.execution_role_arn
  task_role_arn         = module.ecs_service.task_role_arn
  release_parameter_arn = module.ecs_service.release_parameter_arn
}
