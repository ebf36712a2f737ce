output "sports_api_key_parameter_arn" {
  description = "ARN of the SPORTS_API_KEY SecureString."
  value       = aws_ssm_parameter.sports_api_key.arn
}

output "sports_api_key_parameter_name" {
  description = "Name of the SPORTS_API_KEY SecureString."
  value       = aws_ssm_parameter.sports_api_key.name
}

output "admin_token_parameter_arn" {
  description = "ARN of the SPORTSGATE_ADMIN_TOKEN SecureString."
  value       = aws_ssm_parameter.admin_token.arn
}

output "admin_token_parameter_name" {
  description = "Name of the SPORTSGATE_ADMIN_TOKEN SecureString."
  value       = aws_ssm_parameter.admin_token.name
}
