# Traffic path: API Gateway VPC link ENIs -> internal ALB (listener port) ->
# ECS tasks (8080). Each hop admits only the security group of the hop before
# it; there is no CIDR-based ingress and none from 0.0.0.0/0 or ::/0.
# Task egress: HTTPS to the upstream APIs (through NAT) and the AWS endpoints.
# Egress to PostgreSQL (5432) and Redis (6379) is added by the data_stores module.

resource "aws_security_group" "vpc_link" {
  #checkov:skip=CKV2_AWS_5:Attached in a sibling module (module.api_gateway aws_apigatewayv2_vpc_link); checkov's graph does not follow module outputs. deploy/tests asserts the wiring.
  name        = "${var.name}-vpc-link"
  description = "API Gateway VPC link ENIs: egress to the internal ALB listener only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-vpc-link" })
}

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached in a sibling module (module.alb aws_lb.security_groups); checkov's graph does not follow module outputs. deploy/tests asserts the wiring.
  name        = "${var.name}-alb"
  description = "Internal ALB: ingress from the VPC link only, egress to tasks on ${var.container_port}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })
}

resource "aws_security_group" "tasks" {
  #checkov:skip=CKV2_AWS_5:Attached in a sibling module (module.ecs_service service network_configuration); checkov's graph does not follow module outputs. deploy/tests asserts the wiring.
  name        = "${var.name}-tasks"
  description = "sportsgate tasks: ingress from the ALB on ${var.container_port} only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-tasks" })
}

# VPC link -> ALB
resource "aws_vpc_security_group_egress_rule" "vpc_link_to_alb" {
  security_group_id            = aws_security_group.vpc_link.id
  description                  = "To the internal ALB listener"
  ip_protocol                  = "tcp"
  from_port                    = var.listener_port
  to_port                      = var.listener_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_vpc_link" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Listener port from the API Gateway VPC link only"
  ip_protocol                  = "tcp"
  from_port                    = var.listener_port
  to_port                      = var.listener_port
  referenced_security_group_id = aws_security_group.vpc_link.id
}

# ALB -> tasks
resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the sportsgate tasks (traffic and /healthz health checks)"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "App port from the internal ALB only"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

# tasks -> internet (HTTPS only): SerpApi/ESPN via NAT; ECR/Logs/SSM via the
# interface endpoints; image layers via the S3 gateway endpoint.
resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to upstream sports APIs and AWS endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
