variable "name" {
  description = "Name of the cluster, service, task family and log group (/ecs/<name>)."
  type        = string
}

variable "image" {
  description = "Container image (repository URL and immutable tag)."
  type        = string
}

variable "cpu_architecture" {
  description = "Fargate CPU architecture: ARM64 (Graviton, cheaper) or X86_64."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.cpu_architecture)
    error_message = "cpu_architecture must be ARM64 or X86_64."
  }
}

variable "task_cpu" {
  description = "Task CPU units (256, 512, 1024, 2048, 4096)."
  type        = number
  default     = 512
}

variable "task_memory" {
  description = "Task memory in MiB (must fit the CPU size)."
  type        = number
  default     = 1024
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8080
}

variable "desired_count" {
  description = "Initial number of tasks (autoscaling owns it afterwards)."
  type        = number
  default     = 2
}

variable "min_capacity" {
  description = "Autoscaling minimum."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "Autoscaling maximum."
  type        = number
  default     = 6
}

variable "cpu_target_percent" {
  description = "Target average CPU utilisation for scaling."
  type        = number
  default     = 60
}

variable "requests_per_target" {
  description = "Target ALB requests per task per minute for scaling."
  type        = number
  default     = 1000
}

variable "subnet_ids" {
  description = "Private subnets for the tasks."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the tasks."
  type        = string
}

variable "target_group_arn" {
  description = "ALB target group of the service."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ALB ARN suffix (for ALBRequestCountPerTarget)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "Target group ARN suffix (for ALBRequestCountPerTarget)."
  type        = string
}

variable "ecr_repository_arn" {
  description = "The only repository the execution role may pull from."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the log group and of the SSM parameters."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the application log group."
  type        = number
}

variable "sports_api_key_parameter_arn" {
  description = "SSM parameter ARN injected as SPORTS_API_KEY."
  type        = string
}

variable "admin_token_parameter_arn" {
  description = "SSM parameter ARN injected as SPORTSGATE_ADMIN_TOKEN."
  type        = string
}

variable "database_url_parameter_arn" {
  description = "SSM parameter ARN injected as SPORTSGATE_DATABASE_URL (the shared PostgreSQL)."
  type        = string
}

variable "redis_url_parameter_arn" {
  description = "SSM parameter ARN injected as SPORTSGATE_REDIS_URL (the shared Redis)."
  type        = string
}

variable "trusted_proxy_cidrs" {
  description = "CIDRs whose X-Forwarded-For the app believes (the VPC: ALB and VPC link ENIs)."
  type        = list(string)
}

variable "extra_environment" {
  description = "Additional non-secret environment variables (e.g. SPORTSGATE_SERPAPI_MONTHLY_BUDGET)."
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.extra_environment), [
      "SPORTS_API_KEY", "SPORTSGATE_ADMIN_TOKEN", "SPORTSGATE_DATABASE_URL",
    ])) == 0
    error_message = "Secrets (SPORTS_API_KEY, SPORTSGATE_ADMIN_TOKEN, SPORTSGATE_DATABASE_URL) must come from SSM via `secrets`, never extra_environment."
  }
}

variable "release_parameter_name" {
  description = "SSM parameter that publishes Terraform's task-definition revision to deploy/release.sh."
  type        = string
}

variable "tags" {
  description = "Tags for the ECS and IAM resources."
  type        = map(string)
  default     = {}
}
