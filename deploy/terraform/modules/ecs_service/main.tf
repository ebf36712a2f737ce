# ECS on Fargate: cluster (Container Insights), task definition, service behind
# the internal ALB, CPU/request-count autoscaling, and the two IAM roles.
#
# Who owns what (deploy/README.md, "Releases"): Terraform owns the task definition's
# content (environment, secrets, roles, sizes, logging) and publishes its latest revision
# in the SSM parameter var.release_parameter_name. deploy/release.sh, the only release
# path, registers that revision with the new image and rolls the service; so the service's
# current revision belongs to releases and Terraform ignores it.
#
# Secrets reach the container only through `secrets` (valueFrom = SSM parameter
# ARN), resolved by the ECS agent with the execution role at task start; they are
# never part of `environment`, the task definition JSON or Terraform state.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  container_name = "sportsgate"

  # The two connection URLs carry credentials; every task shares the same PostgreSQL
  # and Redis, so keys, quotas, limits and the cache are one service's.
  secrets = [
    { name = "SPORTS_API_KEY", valueFrom = var.sports_api_key_parameter_arn },
    { name = "SPORTSGATE_ADMIN_TOKEN", valueFrom = var.admin_token_parameter_arn },
    { name = "SPORTSGATE_DATABASE_URL", valueFrom = var.database_url_parameter_arn },
    { name = "SPORTSGATE_REDIS_URL", valueFrom = var.redis_url_parameter_arn },
  ]

  # Every SSM parameter the execution role may read: exactly the ones above.
  secret_parameter_arns = [for s in local.secrets : s.valueFrom]

  base_environment = [
    { name = "SPORTSGATE_LISTEN", value = "0.0.0.0:${var.container_port}" },
    { name = "SPORTSGATE_LOG_FORMAT", value = "json" },
    { name = "SPORTSGATE_TRUSTED_PROXIES", value = join(",", var.trusted_proxy_cidrs) },
    # /metrics only on the task's loopback (for a scraping sidecar), never on the port the
    # ALB reaches; API Gateway has no route for it either.
    { name = "SPORTSGATE_METRICS_LISTEN", value = "127.0.0.1:9464" },
    # The root filesystem is read-only; /data is the task's writable volume.
    { name = "TMPDIR", value = "/data" },
  ]

  extra_environment = [for k in sort(keys(var.extra_environment)) : { name = k, value = var.extra_environment[k] }]

  environment = concat(local.base_environment, local.extra_environment)

  container_definitions = [
    {
      name                   = local.container_name
      image                  = var.image
      essential              = true
      user                   = "65532:65532"
      privileged             = false
      readonlyRootFilesystem = true
      stopTimeout            = 30
      portMappings = [
        { name = "http", containerPort = var.container_port, protocol = "tcp" },
      ]
      environment = local.environment
      secrets     = local.secrets
      mountPoints = [
        { sourceVolume = "data", containerPath = "/data", readOnly = false },
      ]
      linuxParameters = {
        initProcessEnabled = true
        capabilities       = { drop = ["ALL"] }
      }
      ulimits = [
        { name = "nofile", softLimit = 65536, hardLimit = 65536 },
      ]
      healthCheck = {
        command     = ["CMD", "/usr/local/bin/sportsgate", "healthcheck"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 20
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "sportsgate"
          mode                  = "non-blocking"
          max-buffer-size       = "4m"
        }
      }
    },
  ]
}

# --- Logs ---------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# --- Cluster ------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 1
  }
}

# --- IAM ----------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

# Execution role: used by the ECS agent only (pull the image, write logs,
# resolve the secrets). Nothing else.
resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  description        = "ECS agent for ${var.name}: pull from one ECR repository, write one log group, read the named SSM parameters"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  # ecr:GetAuthorizationToken has no resource-level permissions (AWS requires
  # "*"); it only returns a registry login, the pull itself is scoped below.
  statement {
    sid       = "EcrLogin"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid    = "PullThisRepositoryOnly"
    effect = "Allow"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid    = "WriteThisLogGroupOnly"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.app.arn}:log-stream:*"]
  }

  statement {
    sid       = "ReadTheseParametersOnly"
    effect    = "Allow"
    actions   = ["ssm:GetParameters"]
    resources = local.secret_parameter_arns
  }

  statement {
    sid       = "DecryptParametersViaSsmOnly"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: what the application itself may do with AWS APIs. sportsgate
# calls no AWS API, so the role has no policy at all.
resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  description        = "sportsgate application role: intentionally no permissions"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

# --- Task definition ----------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Task-local writable storage (Fargate ephemeral storage) for /data; the image
  # declares VOLUME /data owned by uid 65532, so ECS copies that ownership.
  volume {
    name = "data"
  }

  tags = var.tags
}

# The release template: Terraform's latest revision, read by deploy/release.sh.
resource "aws_ssm_parameter" "release_template" {
  #checkov:skip=CKV2_AWS_34:Holds a task-definition ARN, not a secret; the deploy role reads it without KMS rights.
  name        = var.release_parameter_name
  description = "Task definition revision Terraform last registered for ${var.name}; deploy/release.sh sets the image on it"
  type        = "String"
  value       = aws_ecs_task_definition.this.arn
  tags        = var.tags
}

# --- Service ------------------------------------------------------------------

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  lifecycle {
    # desired_count belongs to autoscaling; the running revision to
    # deploy/release.sh, which always starts from the revision published below, so
    # Terraform's changes reach the tasks with the next release (or
    # `deploy/release.sh --current` right after the apply).
    ignore_changes = [desired_count, task_definition]
  }

  tags = var.tags
}

# --- Autoscaling --------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${var.name}-requests-per-target"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffix}"
    }
  }
}
