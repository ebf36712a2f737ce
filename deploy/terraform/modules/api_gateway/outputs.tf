output "api_id" {
  description = "ID of the HTTP API (CloudWatch dimension ApiId)."
  value       = aws_apigatewayv2_api.this.id
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_apigatewayv2_stage.prod.name
}

output "invoke_url" {
  description = "Public invoke URL of the stage."
  value       = aws_apigatewayv2_stage.prod.invoke_url
}

output "access_log_group_name" {
  description = "Access-log group of the stage."
  value       = aws_cloudwatch_log_group.access.name
}

output "route_keys" {
  description = "Every route the API exposes (no $default catch-all)."
  value       = sort([for r in aws_apigatewayv2_route.this : r.route_key])
}
