output "database_url_parameter_arn" {
  description = "SSM parameter ARN of SPORTSGATE_DATABASE_URL (null when PostgreSQL is off)."
  value       = local.postgres_enabled ? aws_ssm_parameter.database_url[0].arn : null
}

output "postgres_address" {
  description = "Address of the PostgreSQL instance."
  value       = local.postgres_enabled ? aws_db_instance.postgres[0].address : null
}
