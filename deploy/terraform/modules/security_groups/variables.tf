variable "name" {
  description = "Name prefix for the security groups."
  type        = string
}

variable "vpc_id" {
  description = "VPC that holds the security groups."
  type        = string
}

variable "listener_port" {
  description = "ALB listener port (80 for HTTP inside the VPC, 443 with a certificate)."
  type        = number
}

variable "container_port" {
  description = "Port the sportsgate container listens on."
  type        = number
  default     = 8080
}

variable "tags" {
  description = "Tags for the security groups."
  type        = map(string)
  default     = {}
}
