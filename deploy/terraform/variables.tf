# --- Placement ------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region to deploy to, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1."
  }
}

variable "availability_zones" {
  description = "Exactly two availability zones of aws_region, e.g. [\"eu-west-1a\", \"eu-west-1b\"]."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2 && length(distinct(var.availability_zones)) == 2
    error_message = "availability_zones must name exactly two distinct zones."
  }

  validation {
    condition     = alltrue([for az in var.availability_zones : startswith(az, var.aws_region)])
    error_message = "Both availability_zones must belong to aws_region."
  }
}

variable "name" {
  description = "Application name: prefix of every resource and the ECR repository name."
  type        = string
  default     = "sportsgate"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,15}$", var.name))
    error_message = "name must be 3-16 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (prod, staging, ...); resources are named <name>-<environment>."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters/digits, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags applied to every resource (via provider default_tags)."
  type        = map(string)
  default     = {}
}

# --- Network --------------------------------------------------------------------

variable "vpc_cidr" {
  description = "VPC CIDR (/16 to /20)."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be a valid IPv4 CIDR between /16 and /20."
  }
}

variable "cost_profile" {
  description = "hardened: a NAT gateway per AZ, interface endpoints for ECR/Logs/SSM. low_cost: one NAT gateway, no interface endpoints (AWS APIs through NAT). Estimates: deploy/cost/estimate.md."
  type        = string
  default     = "hardened"

  validation {
    condition     = contains(["hardened", "low_cost"], var.cost_profile)
    error_message = "cost_profile must be hardened or low_cost."
  }
}

variable "single_nat_gateway" {
  description = "true = one NAT gateway for both AZs (cheaper, an AZ outage cuts upstream egress); false = one per AZ. The low_cost profile implies true."
  type        = bool
  default     = false
}

# --- Image and tasks ------------------------------------------------------------

variable "image_tag" {
  description = "Immutable image tag for the task definition Terraform registers: the first deployment's image. Later releases set the image themselves (deploy/release.sh); changing this does not roll the service."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable Docker tag (not \"latest\")."
  }
}

variable "ecr_force_delete" {
  description = "Let `terraform destroy` delete the ECR repository with its images."
  type        = bool
  default     = false
}

variable "cpu_architecture" {
  description = "Fargate CPU architecture: ARM64 (Graviton) or X86_64. The image is multi-arch."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.cpu_architecture)
    error_message = "cpu_architecture must be ARM64 or X86_64."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB (valid for task_cpu: 256 -> 512-2048, 512 -> 1024-4096, 1024 -> 2048-8192, ...)."
  type        = number
  default     = 1024

  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 30720 && var.task_memory % 512 == 0
    error_message = "task_memory must be a multiple of 512 MiB between 512 and 30720."
  }
}

variable "desired_count" {
  description = "Initial task count (autoscaling manages it afterwards)."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 2
    error_message = "desired_count must be at least 2 (one task per AZ)."
  }
}

variable "min_capacity" {
  description = "Autoscaling minimum task count."
  type        = number
  default     = 2

  validation {
    condition     = var.min_capacity >= 2
    error_message = "min_capacity must be at least 2."
  }
}

variable "max_capacity" {
  description = "Autoscaling maximum task count."
  type        = number
  default     = 6

  validation {
    condition     = var.max_capacity >= var.min_capacity && var.max_capacity <= 50
    error_message = "max_capacity must be >= min_capacity and <= 50."
  }
}

variable "cpu_target_percent" {
  description = "Target average CPU utilisation (percent) for autoscaling."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent >= 20 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be between 20 and 90."
  }
}

variable "requests_per_target" {
  description = "Target ALB requests per task per minute (ALBRequestCountPerTarget) for autoscaling."
  type        = number
  default     = 1000

  validation {
    condition     = var.requests_per_target >= 10
    error_message = "requests_per_target must be at least 10."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group (app, API access, flow logs, RDS)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "serpapi_monthly_budget" {
  description = "SPORTSGATE_SERPAPI_MONTHLY_BUDGET: upstream searches per calendar month (null = no cap)."
  type        = number
  default     = null

  validation {
    condition     = var.serpapi_monthly_budget == null || try(var.serpapi_monthly_budget >= 0, false)
    error_message = "serpapi_monthly_budget must be null or >= 0."
  }
}

variable "extra_environment" {
  description = "Additional non-secret environment variables for the container (e.g. SPORTSGATE_TTL_LIVE)."
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.extra_environment), [
      "SPORTS_API_KEY", "SPORTSGATE_ADMIN_TOKEN", "SPORTSGATE_DATABASE_URL", "SPORTSGATE_REDIS_URL",
    ])) == 0
    error_message = "Secrets must not be passed as plain environment: use sports_api_key/admin_token (SSM); the data-store URLs are generated into SSM."
  }
}

# --- Secrets (ephemeral: never written to plan or state) ----------------------------

variable "sports_api_key" {
  description = "SerpApi key, written to SSM when the parameter is created or secret_values_version changes. null = placeholder; set it out of band (deploy/README.md)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "admin_token" {
  description = "Admin bearer token (>= 32 chars). null = a random 48-character token is generated into SSM."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.admin_token == null || try(length(var.admin_token) >= 32, false)
    error_message = "admin_token must be at least 32 characters."
  }
}

variable "secret_values_version" {
  description = "Bump to make Terraform rewrite the SSM values from sports_api_key/admin_token."
  type        = number
  default     = 1
}

# --- Load balancer and API ------------------------------------------------------

variable "alb_certificate_arn" {
  description = "ACM certificate for an HTTPS listener on the internal ALB; null = HTTP inside the VPC (TLS ends at API Gateway)."
  type        = string
  default     = null

  validation {
    condition     = var.alb_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.alb_certificate_arn))
    error_message = "alb_certificate_arn must be an ACM certificate ARN."
  }
}

variable "alb_tls_server_name" {
  description = "Name on alb_certificate_arn that API Gateway verifies (required with a certificate)."
  type        = string
  default     = null

  validation {
    condition     = (var.alb_certificate_arn == null) == (var.alb_tls_server_name == null)
    error_message = "Set alb_tls_server_name together with alb_certificate_arn (and neither for HTTP)."
  }
}

variable "alb_deletion_protection" {
  description = "Deletion protection of the ALB (set false and apply before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "Existing S3 bucket (SSE-S3 + ELB log-delivery policy) for ALB access logs; null = off."
  type        = string
  default     = null
}

variable "api_throttling_burst_limit" {
  description = "Backstop burst of the whole API stage (every client together). Per-client limits are sportsgate's plans (pro: 600/min, burst 100); this only caps a flood."
  type        = number
  default     = 1000

  validation {
    condition     = var.api_throttling_burst_limit >= 200
    error_message = "api_throttling_burst_limit must be >= 200: well above one client's burst (pro: 100), or the stage throttle starts acting as a shared per-client limit."
  }
}

variable "api_throttling_rate_limit" {
  description = "Backstop steady-state requests per second of the whole API stage (every client together)."
  type        = number
  default     = 500

  validation {
    condition     = var.api_throttling_rate_limit >= 100
    error_message = "api_throttling_rate_limit must be >= 100: well above one client's rate (pro: 10/s)."
  }
}

variable "expose_admin" {
  description = "Route /admin and /admin/{proxy+} (admin API and dashboard) through API Gateway. false: the admin API is reachable only inside the VPC."
  type        = bool
  default     = false
}

# --- Monitoring -----------------------------------------------------------------

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (null = none)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "error_rate_threshold_percent" {
  description = "5xx percentage that raises the API/ALB 5xx alarms."
  type        = number
  default     = 5

  validation {
    condition     = var.error_rate_threshold_percent > 0 && var.error_rate_threshold_percent <= 100
    error_message = "error_rate_threshold_percent must be in (0, 100]."
  }
}

variable "p99_latency_threshold_seconds" {
  description = "p99 latency in seconds that raises the latency alarms."
  type        = number
  default     = 2

  validation {
    condition     = var.p99_latency_threshold_seconds > 0
    error_message = "p99_latency_threshold_seconds must be positive."
  }
}

variable "rate_limit_rejections_threshold" {
  description = "429 responses per 5 minutes that raise the rate-limit alarm."
  type        = number
  default     = 100

  validation {
    condition     = var.rate_limit_rejections_threshold >= 1
    error_message = "rate_limit_rejections_threshold must be >= 1."
  }
}

variable "rate_limit_log_pattern" {
  description = "CloudWatch Logs filter pattern that matches one rate-limited request in the app's JSON logs."
  type        = string
  default     = "{ ($.status = 429) || ($.fields.status = 429) }"
}

# --- Shared state (always on: 2+ tasks must share keys, usage and limits) --------
# There is no enable switch: every task reads SPORTSGATE_DATABASE_URL (RDS) and
# SPORTSGATE_REDIS_URL (ElastiCache) from SSM. A per-task SQLite file would give each
# task its own keys and quotas (deploy/README.md, "Shared state").

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_performance_insights" {
  description = "Enable RDS Performance Insights (set false on instance classes that do not support it)."
  type        = bool
  default     = true
}

variable "db_multi_az" {
  description = "Run RDS Multi-AZ."
  type        = bool
  default     = true
}

variable "db_deletion_protection" {
  description = "RDS deletion protection (set false and apply before destroy)."
  type        = bool
  default     = true
}

variable "db_credentials_version" {
  description = "Bump to rotate the PostgreSQL password (and rewrite SPORTSGATE_DATABASE_URL)."
  type        = number
  default     = 1
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes: 2 or more = primary plus replicas with automatic failover across AZs (default); 1 = one node (low_cost example: a node failure means Redis degraded mode until it is replaced)."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_num_cache_clusters >= 1 && var.redis_num_cache_clusters <= 6
    error_message = "redis_num_cache_clusters must be between 1 and 6."
  }
}

variable "redis_credentials_version" {
  description = "Bump to rotate the Redis AUTH token (and rewrite SPORTSGATE_REDIS_URL)."
  type        = number
  default     = 1
}

# --- CI/CD ------------------------------------------------------------------------

variable "github_repository" {
  description = "owner/name of the GitHub repository allowed to deploy through OIDC (null = no deploy role)."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }

  # Whoever owns a placeholder repository name could deploy to this account.
  validation {
    condition     = var.github_repository == null || !contains(["your-org", "owner", "org", "example"], lower(split("/", coalesce(var.github_repository, "/"))[0]))
    error_message = "github_repository still names a placeholder owner (your-org/...): set your real owner/name, or leave it null."
  }
}

variable "github_environment" {
  description = "GitHub environment of the deploy jobs (pinned in the OIDC trust policy)."
  type        = string
  default     = "production"
}

variable "create_github_oidc_provider" {
  description = "Create the account-wide GitHub OIDC provider. false (default) uses the account's existing one; an account has at most one, so creating a second fails."
  type        = bool
  default     = false
}
