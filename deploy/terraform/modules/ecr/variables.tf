variable "name" {
  description = "Repository name."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN used to encrypt images at rest."
  type        = string
}

variable "keep_tagged_images" {
  description = "How many tagged images to keep (older ones expire; keep enough for rollbacks)."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_tagged_images >= 5
    error_message = "keep_tagged_images must be at least 5 so rollbacks stay possible."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images expire."
  type        = number
  default     = 7
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
