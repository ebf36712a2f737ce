output "redis_url_parameter_arn" {
  description = "SSM parameter ARN of SPORTSGATE_REDIS_URL (null when Redis is off)."
  value       = local.redis_enabled ? aws_ssm_parameter.redis_url[0].arn : null
}

output "database_url_parameter_arn" {
  description = "SSM parameter ARN of SPORTSGATE_DATABASE_URL (null when PostgreSQL is off)."
  value       = local.postgres_enabled ? aws_ssm_parameter.database_url[0].arn : null
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group."
  value       = local.redis_enabled ? aws_elasticache_replication_group.redis[0].primary_endpoint_address : null
}

output "postgres_address" {
  description = "Address of the PostgreSQL instance."
  value       = local.postgres_enabled ? aws_db_instance.postgres[0].address : null
}
