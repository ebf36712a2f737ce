variable "name" {
  description = "Name prefix; the key alias becomes alias/<name>."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before a deleted key is destroyed (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
