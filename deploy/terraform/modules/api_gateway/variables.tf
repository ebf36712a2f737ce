variable "name" {
  description = "Name of the HTTP API, VPC link and access-log group."
  type        = string
}

variable "stage_name" {
  description = "Stage name (part of the invoke URL)."
  type        = string
  default     = "prod"
}

variable "subnet_ids" {
  description = "Private subnets for the VPC link ENIs."
  type        = list(string)
}

variable "vpc_link_security_group_id" {
  description = "Security group of the VPC link ENIs."
  type        = string
}

variable "alb_listener_arn" {
  description = "Listener of the internal ALB (integration target)."
  type        = string
}

variable "alb_tls_server_name" {
  description = "Server name API Gateway verifies on an HTTPS ALB listener; null for an HTTP listener."
  type        = string
  default     = null
}

variable "throttling_burst_limit" {
  description = "Backstop burst for the whole stage (all clients together); per-client limits are sportsgate's."
  type        = number
  default     = 1000
}

variable "throttling_rate_limit" {
  description = "Backstop steady-state requests per second for the whole stage (all clients together)."
  type        = number
  default     = 500
}

variable "expose_admin" {
  description = "Route /admin and /admin/{proxy+} (admin API and dashboard) through the public API. Off: they are reachable only inside the VPC."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key of the access-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the access-log group."
  type        = number
}

variable "tags" {
  description = "Tags for the API resources."
  type        = map(string)
  default     = {}
}
