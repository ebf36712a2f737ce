# Public entry point: an API Gateway HTTP API with a private integration (VPC
# link) to the internal ALB listener. Clients speak TLS to API Gateway only;
# the ALB and the tasks have no public address.
#
# Only the public paths have routes; there is no `$default` catch-all, so anything
# else (/metrics, /readyz, and /admin unless expose_admin) gets API Gateway's own 404
# and never reaches the tasks.
#
# Authentication and per-key/per-IP plans and quotas are the application's job
# (sportsgate's API-key layer). HTTP APIs have no per-client throttling (usage plans
# and WAF are REST-API features), so the stage throttle here is only a backstop for
# the whole API, sized well above any single client's limit.

locals {
  public_route_keys = [
    "ANY /",                # scoreboard page
    "ANY /assets/{proxy+}", # its embedded assets
    "ANY /sports",          # the original Flask-compatible route
    "ANY /v1/{proxy+}",     # the API
    "ANY /openapi.json",    # the API document
    "ANY /docs",            # Swagger UI page
    "ANY /docs/{proxy+}",   # Swagger UI files
    "ANY /healthz",         # liveness, for uptime checks
  ]
  admin_route_keys = ["ANY /admin", "ANY /admin/{proxy+}"]
  route_keys       = concat(local.public_route_keys, var.expose_admin ? local.admin_route_keys : [])
}

resource "aws_apigatewayv2_vpc_link" "this" {
  name               = var.name
  subnet_ids         = var.subnet_ids
  security_group_ids = [var.vpc_link_security_group_id]
  tags               = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  description   = "sportsgate public API (private integration to the internal ALB)"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "alb" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  integration_uri        = var.alb_listener_arn
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.this.id
  payload_format_version = "1.0"
  timeout_milliseconds   = 29000

  # With a named stage the path would reach the ALB as /prod/...; send the
  # route path without the stage name so /prod/v1/leagues arrives as /v1/leagues.
  request_parameters = {
    "overwrite:path" = "$request.path"
  }

  dynamic "tls_config" {
    for_each = var.alb_tls_server_name != null ? [var.alb_tls_server_name] : []
    content {
      server_name_to_verify = tls_config.value
    }
  }
}

resource "aws_apigatewayv2_route" "this" {
  #checkov:skip=CKV_AWS_309:Auth is the application's API-key layer (x-api-key / Bearer, per-key plans and quotas; /admin needs the admin token and is routed only with expose_admin); the anonymous plan is public by design and rate-limited per client IP.
  for_each           = toset(local.route_keys)
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.alb.id}"
  authorization_type = "NONE"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "prod" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = var.stage_name
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }

  tags = var.tags
}
