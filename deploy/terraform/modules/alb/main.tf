# Internal Application Load Balancer in the private subnets. It is reachable
# only through the API Gateway VPC link (security group), never from the
# internet: `internal = true`, private subnets, no public IPs.
#
# Listener: HTTPS when var.certificate_arn is set (API Gateway then verifies
# the certificate's server name). Otherwise HTTP on port 80, which is
# acceptable here because (1) the ALB is internal and admits only the VPC
# link's security group, (2) the hop is VPC link ENI -> ALB inside this VPC's
# private subnets, and (3) clients always speak TLS to API Gateway, which
# terminates it. Bring a certificate (ACM, a private domain) for TLS on that hop.

locals {
  https = var.certificate_arn != null
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs are optional (var.access_logs_bucket, off by default: ALB logs need an SSE-S3 bucket outside this stack); every client request is logged by the API Gateway access log.
  #checkov:skip=CKV2_AWS_20:Without a certificate the internal listener is HTTP by design (TLS terminates at API Gateway; see the comment above); with var.certificate_arn the only listener is HTTPS.
  #checkov:skip=CKV2_AWS_28:Internal ALB reachable only from the API Gateway VPC link; HTTP APIs cannot attach WAF, so a WAF ACL here would see no internet traffic it could not already see at the edge.
  name                       = var.name
  internal                   = true
  load_balancer_type         = "application"
  subnets                    = var.subnet_ids
  security_groups            = [var.security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  # Below sportsgate's keep-alive idle limit (SPORTSGATE_HEADER_READ_TIMEOUT, 20 s), so the
  # ALB never reuses a connection the task is closing (which would surface as a 502).
  idle_timeout           = 15
  desync_mitigation_mode = "strictest"

  dynamic "access_logs" {
    for_each = var.access_logs_bucket != null ? [var.access_logs_bucket] : []
    content {
      enabled = true
      bucket  = access_logs.value
      prefix  = var.name
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:Targets speak plain HTTP on 8080 in private subnets; only the ALB security group can reach them and TLS terminates at API Gateway (or this ALB).
  name_prefix          = "sg-"
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  # /healthz, not /readyz: /readyz answers 503 while PostgreSQL is unreachable, and ECS
  # replaces tasks that fail this check. During a database outage the replicas keep serving
  # verified keys from memory and buffer their counts; replacing them would throw that away
  # (a new task cannot start without the database). A process that answers /healthz has
  # connected, migrated and loaded its keys: serve binds its port only after that.
  health_check {
    enabled             = true
    path                = "/healthz"
    matcher             = "200"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:Created only when no certificate is given: HTTP inside the VPC from the VPC link security group only; clients use TLS to API Gateway (see the comment at the top).
  #checkov:skip=CKV_AWS_103:Same listener: it is HTTP, so there is no TLS policy to set.
  count             = local.https ? 0 : 1
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags
}
