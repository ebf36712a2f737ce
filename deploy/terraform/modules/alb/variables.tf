variable "name" {
  description = "Name of the load balancer (max 32 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 32
    error_message = "An ALB name is at most 32 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the internal ALB (two AZs)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the ALB."
  type        = string
}

variable "container_port" {
  description = "Port of the targets."
  type        = number
  default     = 8080
}

variable "certificate_arn" {
  description = "ACM certificate ARN for an HTTPS listener; null = HTTP listener on 80 inside the VPC."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the ALB against deletion."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "Existing S3 bucket (SSE-S3, with the ELB log-delivery policy) for access logs; null = off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the ALB resources."
  type        = map(string)
  default     = {}
}
