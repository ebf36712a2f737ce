variable "name" {
  description = "Name prefix for the network resources."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (a /16 to /20; split into 2 public and 2 private subnets)."
  type        = string
}

variable "availability_zones" {
  description = "Exactly two availability zone names in the region, e.g. [\"eu-west-1a\", \"eu-west-1b\"]."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2 && length(distinct(var.availability_zones)) == 2
    error_message = "availability_zones must name exactly two distinct zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "Services reached through interface VPC endpoints (one ENI per AZ each, billed hourly); the rest goes through NAT."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "ssm"]

  validation {
    condition     = alltrue([for e in var.interface_endpoints : contains(["ecr.api", "ecr.dkr", "logs", "ssm"], e)])
    error_message = "interface_endpoints may hold ecr.api, ecr.dkr, logs and ssm."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for the flow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the flow-log group in days."
  type        = number
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
