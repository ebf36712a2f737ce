variable "name" {
  description = "Repository name, environment included (<name>-<environment>)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN used to encrypt images at rest."
  type        = string
}

variable "keep_releases" {
  description = "How many releases (tagged image indexes) to keep; older ones expire. Enough for rollbacks and audits."
  type        = number
  default     = 100

  validation {
    condition     = var.keep_releases >= 20
    error_message = "keep_releases must be at least 20 so rollbacks stay possible."
  }
}

variable "force_delete" {
  description = "Allow `terraform destroy` to delete the repository while it still holds images."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the repository."
  type        = map(string)
  default     = {}
}
