# `terraform test` with mocked providers: plans the whole root module without an AWS
# account and checks what the plan would build. CI runs it (providers download there);
# offline machines run the HCL tests in deploy/tests instead.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1a", "eu-west-1b"]
    }
  }
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
      name   = "eu-west-1"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
  mock_data "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
  }
}

mock_provider "random" {}

variables {
  aws_region         = "eu-west-1"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  image_tag          = "0123456789abcdef0123456789abcdef01234567"
}

run "public_api_has_only_the_public_routes" {
  command = plan

  assert {
    condition = output.api_route_keys == sort([
      "ANY /", "ANY /assets/{proxy+}", "ANY /docs", "ANY /docs/{proxy+}", "ANY /healthz",
      "ANY /openapi.json", "ANY /sports", "ANY /v1/{proxy+}",
    ])
    error_message = "unexpected public routes: ${jsonencode(output.api_route_keys)}"
  }
  assert {
    condition     = !contains(output.api_route_keys, "$default")
    error_message = "a $default route would make /metrics and /readyz public"
  }
}

run "admin_routes_only_with_expose_admin" {
  command = plan
  variables {
    expose_admin = true
  }

  assert {
    condition     = contains(output.api_route_keys, "ANY /admin") && contains(output.api_route_keys, "ANY /admin/{proxy+}")
    error_message = "expose_admin = true must route /admin and /admin/{proxy+}"
  }
  assert {
    condition     = length(output.api_route_keys) == 10
    error_message = "expose_admin adds exactly the two admin routes"
  }
}

run "ecr_and_names_are_scoped_to_the_environment" {
  command = plan
  variables {
    environment = "staging"
  }

  assert {
    condition     = module.ecr.repository_name == "sportsgate-staging"
    error_message = "the ECR repository must carry the environment (got ${module.ecr.repository_name})"
  }
  assert {
    condition     = output.release_parameter_name == "/sportsgate/staging/release/task-definition-arn"
    error_message = "the release template parameter must live under the environment's prefix"
  }
}

run "hardened_profile_has_a_nat_per_az_and_endpoints" {
  command = plan

  assert {
    condition     = module.network.nat_gateway_count == 2
    error_message = "hardened: one NAT gateway per AZ"
  }
  assert {
    condition     = module.network.interface_endpoint_services == ["ecr.api", "ecr.dkr", "logs", "ssm"]
    error_message = "hardened: interface endpoints for ECR, Logs and SSM"
  }
}

run "low_cost_profile_has_one_nat_and_no_interface_endpoints" {
  command = plan
  variables {
    cost_profile = "low_cost"
  }

  assert {
    condition     = module.network.nat_gateway_count == 1
    error_message = "low_cost: a single NAT gateway"
  }
  assert {
    condition     = length(module.network.interface_endpoint_services) == 0
    error_message = "low_cost: no interface endpoints"
  }
}

run "placeholder_github_repository_is_refused" {
  command = plan
  variables {
    github_repository = "your-org/sportsgate"
  }
  expect_failures = [var.github_repository]
}

run "stage_throttle_cannot_be_set_below_one_client" {
  command = plan
  variables {
    api_throttling_rate_limit = 10
  }
  expect_failures = [var.api_throttling_rate_limit]
}
