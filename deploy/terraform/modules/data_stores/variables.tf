variable "name" {
  description = "Name prefix of the data stores."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the data stores."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the data stores."
  type        = list(string)
}

variable "tasks_security_group_id" {
  description = "Security group of the sportsgate tasks (the only allowed client)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for encryption at rest, logs and the URL parameters."
  type        = string
}

variable "parameter_prefix" {
  description = "SSM parameter prefix, e.g. /sportsgate/prod."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the RDS log groups."
  type        = number
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_performance_insights" {
  description = "Enable Performance Insights (KMS-encrypted); some micro/small burstable classes do not support it."
  type        = bool
  default     = true
}

variable "postgres_engine_version" {
  description = "PostgreSQL major(.minor) version (parameter group family is postgres17)."
  type        = string
  default     = "17"
}

variable "db_multi_az" {
  description = "Run RDS Multi-AZ."
  type        = bool
  default     = true
}

variable "db_deletion_protection" {
  description = "Protect the RDS instance against deletion."
  type        = bool
  default     = true
}

variable "db_credentials_version" {
  description = "Bump to rotate the PostgreSQL password and rewrite SPORTSGATE_DATABASE_URL."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags for the data stores."
  type        = map(string)
  default     = {}
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes: 2+ = a primary with replicas in other AZs and automatic failover; 1 = a single node."
  type        = number
  default     = 2
}

variable "redis_credentials_version" {
  description = "Bump to rotate the Redis AUTH token and rewrite SPORTSGATE_REDIS_URL."
  type        = number
  default     = 1
}
