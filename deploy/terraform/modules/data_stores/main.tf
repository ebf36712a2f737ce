# Optional shared state for the replicas (off by default):
# - RDS PostgreSQL: API keys, usage, preferences. KMS-encrypted, private,
#   TLS enforced, IAM auth enabled, Multi-AZ.
#
# No Redis: sportsgate has no Redis backend yet (its cache is per task), and a
# deployment must not set what the binary never reads (deploy/tests/test_wiring.py).
#
# The connection URL carries credentials, so it is stored as an SSM SecureString
# and reaches the container via `secrets` (never `environment`). The password is
# ephemeral (write-only: never in state).

locals {
  postgres_enabled = var.enable_postgres
  db_identifier    = "${var.name}-postgres"
}

# --- PostgreSQL -----------------------------------------------------------------

resource "aws_security_group" "postgres" {
  count       = local.postgres_enabled ? 1 : 0
  name        = "${var.name}-postgres"
  description = "RDS PostgreSQL: 5432 from the sportsgate tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-postgres" })
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_tasks" {
  count                        = local.postgres_enabled ? 1 : 0
  security_group_id            = aws_security_group.postgres[0].id
  description                  = "PostgreSQL (TLS) from the sportsgate tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.tasks_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_postgres" {
  count                        = local.postgres_enabled ? 1 : 0
  security_group_id            = var.tasks_security_group_id
  description                  = "PostgreSQL (TLS) to RDS"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.postgres[0].id
}

resource "aws_db_subnet_group" "postgres" {
  count      = local.postgres_enabled ? 1 : 0
  name       = "${var.name}-postgres"
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_db_parameter_group" "postgres" {
  count  = local.postgres_enabled ? 1 : 0
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
  for_each          = local.postgres_enabled ? toset(["postgresql", "upgrade"]) : toset([])
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
  count              = local.postgres_enabled ? 1 : 0
  name_prefix        = "${var.name}-rds-mon-"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  count      = local.postgres_enabled ? 1 : 0
  role       = aws_iam_role.rds_monitoring[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

ephemeral "random_password" "postgres" {
  count   = local.postgres_enabled ? 1 : 0
  length  = 40
  special = false
}

resource "aws_db_instance" "postgres" {
  count                               = local.postgres_enabled ? 1 : 0
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
  password_wo                         = ephemeral.random_password.postgres[0].result
  password_wo_version                 = var.db_credentials_version
  iam_database_authentication_enabled = true
  multi_az                            = var.db_multi_az
  publicly_accessible                 = false
  db_subnet_group_name                = aws_db_subnet_group.postgres[0].name
  vpc_security_group_ids              = [aws_security_group.postgres[0].id]
  parameter_group_name                = aws_db_parameter_group.postgres[0].name
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
  monitoring_role_arn                 = aws_iam_role.rds_monitoring[0].arn
  apply_immediately                   = false
  tags                                = var.tags

  depends_on = [aws_cloudwatch_log_group.postgres]
}

# Written together with the instance password (same ephemeral value, same
# version): bump db_credentials_version to rotate both.
resource "aws_ssm_parameter" "database_url" {
  count            = local.postgres_enabled ? 1 : 0
  name             = "${var.parameter_prefix}/SPORTSGATE_DATABASE_URL"
  description      = "sportsgate PostgreSQL URL with credentials (env SPORTSGATE_DATABASE_URL)"
  type             = "SecureString"
  key_id           = var.kms_key_arn
  value_wo         = "postgres://sportsgate:${ephemeral.random_password.postgres[0].result}@${aws_db_instance.postgres[0].address}:5432/sportsgate?sslmode=require"
  value_wo_version = var.db_credentials_version
  tags             = var.tags
}
