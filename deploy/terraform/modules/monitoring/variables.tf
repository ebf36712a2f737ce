variable "name" {
  description = "Name prefix of the alarms, topic, metric namespace (sportsgate/<name>) and dashboard."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the SNS topic."
  type        = string
}

variable "alarm_email" {
  description = "Optional e-mail address subscribed to the alarm topic (confirm the subscription mail)."
  type        = string
  default     = null
}

variable "api_id" {
  description = "HTTP API ID."
  type        = string
}

variable "api_stage_name" {
  description = "HTTP API stage name."
  type        = string
}

variable "api_access_log_group_name" {
  description = "Access-log group of the API stage."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ALB ARN suffix."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "Target group ARN suffix."
  type        = string
}

variable "ecs_cluster_name" {
  description = "ECS cluster name."
  type        = string
}

variable "ecs_service_name" {
  description = "ECS service name."
  type        = string
}

variable "app_log_group_name" {
  description = "Application log group (JSON lines)."
  type        = string
}

variable "rate_limit_log_pattern" {
  description = "CloudWatch Logs filter pattern matching one rate-limited request in the app's JSON logs."
  type        = string
  default     = "{ ($.status = 429) || ($.fields.status = 429) }"
}

variable "error_rate_threshold_percent" {
  description = "5xx rate (percent of requests) that raises the 5xx alarms."
  type        = number
  default     = 5
}

variable "p99_latency_threshold_seconds" {
  description = "p99 latency (seconds) that raises the latency alarms."
  type        = number
  default     = 2
}

variable "rate_limit_rejections_threshold" {
  description = "429 responses per 5 minutes that raise the rate-limit alarm."
  type        = number
  default     = 100
}

variable "tags" {
  description = "Tags for the monitoring resources."
  type        = map(string)
  default     = {}
}
