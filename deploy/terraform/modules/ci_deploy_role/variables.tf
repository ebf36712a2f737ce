variable "name" {
  description = "Name prefix of the role."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows may deploy."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_environment" {
  description = "GitHub environment the deploy jobs run in (the OIDC subject is pinned to it)."
  type        = string
  default     = "production"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false (default) uses the one the account already has."
  type        = bool
  default     = false
}

variable "release_parameter_arn" {
  description = "SSM parameter with Terraform's task-definition ARN (read by deploy/release.sh)."
  type        = string
}

variable "ecr_repository_arn" {
  description = "Repository the workflow pushes to."
  type        = string
}

variable "ecs_service_arn" {
  description = "Service the workflow updates."
  type        = string
}

variable "execution_role_arn" {
  description = "Execution role of the task definition (passed to ECS on registration)."
  type        = string
}

variable "task_role_arn" {
  description = "Task role of the task definition (passed to ECS on registration)."
  type        = string
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
