variable "parameter_prefix" {
  description = "Parameter path prefix, e.g. /sportsgate/prod."
  type        = string

  validation {
    condition     = can(regex("^/[A-Za-z0-9_./-]+[^/]$", var.parameter_prefix))
    error_message = "parameter_prefix must start with / and not end with /."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for the SecureString parameters."
  type        = string
}

variable "sports_api_key" {
  description = "SerpApi key. Ephemeral: never stored in plan or state. null = placeholder, set out of band."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "admin_token" {
  description = "Admin bearer token. Ephemeral: never stored in plan or state. null = random token generated at apply."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "secret_values_version" {
  description = "Bump to make Terraform (re)write the parameter values from the variables above."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags for the parameters."
  type        = map(string)
  default     = {}
}
