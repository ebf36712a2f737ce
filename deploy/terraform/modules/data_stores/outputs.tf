output "database_url_parameter_arn" {
  description = "SSM parameter ARN of SPORTSGATE_DATABASE_URL."
  value       = aws_ssm_parameter.database_url.arn
}

output "redis_url_parameter_arn" {
  description = "SSM parameter ARN of SPORTSGATE_REDIS_URL."
  value       = aws_ssm_parameter.redis_url.arn
}

output "postgres_address" {
  description = "Address of the PostgreSQL instance."
  value       = aws_db_instance.postgres.address
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}
