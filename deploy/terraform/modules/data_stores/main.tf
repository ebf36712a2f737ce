# Shared state of the replicas. The service always runs two or more tasks, so both
# stores are always created: there is no per-task SQLite or per-task limiter to fall
# back to in AWS (deploy/README.md, "Shared state").
# - RDS PostgreSQL: API keys, usage, quotas' totals, budget, history. KMS-encrypted,
#   private, TLS enforced, IAM auth enabled, Multi-AZ by default.
# - ElastiCache (Redis OSS) replication group: the second cache tier, cross-task
#   single-flight, exact shared limits, key-change propagation. TLS required in
#   transit, KMS at rest, AUTH token.
#
# Both connection URLs carry credentials, so they are SSM SecureStrings that reach
# the container via `secrets` (never `environment`). The password and the AUTH token
# are ephemeral values passed to write-only arguments: never in plan or state.

locals {
  db_identifier  = "${var.name}-postgres"
  redis_multi_az = var.redis_num_cache_clusters > 1
}

# --- PostgreSQL -----------------------------------------------------------------

resource "aws_security_group" "postgres" {
  name        = "${var.name}-postgres"
  description = "RDS PostgreSQL: 5432 from the sportsgate tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-postgres" })
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_tasks" {
  security_group_id            = aws_security_group.postgres.id
  description                  = "PostgreSQL (TLS) from the sportsgate tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.tasks_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_postgres" {
  security_group_id            = var.tasks_security_group_id
  description                  = "PostgreSQL (TLS) to RDS"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.postgres.id
}

resource "aws_db_subnet_group" "postgres" {
  name       = "${var.name}-postgres"
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_db_parameter_group" "postgres" {
  name   = "${var.name}-postgres17"
  family = "postgres17"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  tags = var.tags
}

# RDS would create these on first export, without retention or KMS.
resource "aws_cloudwatch_log_group" "postgres" {
  for_each          = toset(["postgresql", "upgrade"])
  name              = "/aws/rds/instance/${local.db_identifier}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "rds_monitoring" {
  name_prefix        = "${var.name}-rds-mon-"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

ephemeral "random_password" "postgres" {
  length  = 40
  special = false
}

resource "aws_db_instance" "postgres" {
  identifier                          = local.db_identifier
  engine                              = "postgres"
  engine_version                      = var.postgres_engine_version
  instance_class                      = var.db_instance_class
  allocated_storage                   = 20
  max_allocated_storage               = 100
  storage_type                        = "gp3"
  storage_encrypted                   = true
  kms_key_id                          = var.kms_key_arn
  db_name                             = "sportsgate"
  username                            = "sportsgate"
  password_wo                         = ephemeral.random_password.postgres.result
  password_wo_version                 = var.db_credentials_version
  iam_database_authentication_enabled = true
  multi_az                            = var.db_multi_az
  publicly_accessible                 = false
  db_subnet_group_name                = aws_db_subnet_group.postgres.name
  vpc_security_group_ids              = [aws_security_group.postgres.id]
  parameter_group_name                = aws_db_parameter_group.postgres.name
  ca_cert_identifier                  = "rds-ca-rsa2048-g1"
  backup_retention_period             = 7
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.db_deletion_protection
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${local.db_identifier}-final"
  auto_minor_version_upgrade          = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  performance_insights_enabled        = var.db_performance_insights
  performance_insights_kms_key_id     = var.db_performance_insights ? var.kms_key_arn : null
  monitoring_interval                 = 60
  monitoring_role_arn                 = aws_iam_role.rds_monitoring.arn
  apply_immediately                   = false
  tags                                = var.tags

  depends_on = [aws_cloudwatch_log_group.postgres]
}

# Written together with the instance password (same ephemeral value, same
# version): bump db_credentials_version to rotate both.
resource "aws_ssm_parameter" "database_url" {
  name             = "${var.parameter_prefix}/SPORTSGATE_DATABASE_URL"
  description      = "sportsgate PostgreSQL URL with credentials (env SPORTSGATE_DATABASE_URL)"
  type             = "SecureString"
  key_id           = var.kms_key_arn
  value_wo         = "postgres://sportsgate:${ephemeral.random_password.postgres.result}@${aws_db_instance.postgres.address}:5432/sportsgate?sslmode=require"
  value_wo_version = var.db_credentials_version
  tags             = var.tags
}

# --- Redis (ElastiCache) --------------------------------------------------------

resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "ElastiCache Redis: 6379 from the sportsgate tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-redis" })
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_tasks" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis (TLS) from the sportsgate tasks"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = var.tasks_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_redis" {
  security_group_id            = var.tasks_security_group_id
  description                  = "Redis (TLS) to ElastiCache"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.redis.id
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = "${var.name}-redis"
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

ephemeral "random_password" "redis_auth" {
  length  = 64
  special = false
}

resource "aws_elasticache_replication_group" "redis" {
  #checkov:skip=CKV_AWS_31:The AUTH token is set through the write-only auth_token_wo (kept out of state), which checkov does not recognise; transit_encryption_mode is "required".
  replication_group_id       = "${var.name}-redis"
  description                = "sportsgate shared cache, limits and key changes"
  engine                     = "redis"
  engine_version             = "7.1"
  parameter_group_name       = "default.redis7"
  node_type                  = var.redis_node_type
  num_cache_clusters         = var.redis_num_cache_clusters
  automatic_failover_enabled = local.redis_multi_az
  multi_az_enabled           = local.redis_multi_az
  port                       = 6379
  subnet_group_name          = aws_elasticache_subnet_group.redis.name
  security_group_ids         = [aws_security_group.redis.id]
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token_wo              = ephemeral.random_password.redis_auth.result
  auth_token_wo_version      = var.redis_credentials_version
  auth_token_update_strategy = "ROTATE"
  auto_minor_version_upgrade = true
  snapshot_retention_limit   = 1
  apply_immediately          = false
  tags                       = var.tags
}

# Written together with the AUTH token (same ephemeral value, same version): bump
# redis_credentials_version to rotate both. ROTATE keeps the old token valid until
# the tasks have been rolled onto the new URL (deploy/README.md, "Shared state").
resource "aws_ssm_parameter" "redis_url" {
  name             = "${var.parameter_prefix}/SPORTSGATE_REDIS_URL"
  description      = "sportsgate Redis URL with AUTH token (env SPORTSGATE_REDIS_URL)"
  type             = "SecureString"
  key_id           = var.kms_key_arn
  value_wo         = "rediss://:${ephemeral.random_password.redis_auth.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379/0"
  value_wo_version = var.redis_credentials_version
  tags             = var.tags
}
