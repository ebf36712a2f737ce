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
  description = "Stage-wide burst limit (requests)."
  type        = number
  default     = 200
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady-state limit (requests per second)."
  type        = number
  default     = 100
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
