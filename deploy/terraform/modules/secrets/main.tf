# Application secrets as SSM Parameter Store SecureStrings (KMS CMK).
#
# Values are written with write-only arguments (value_wo): they are never stored
# in the Terraform plan or state. Terraform writes them when a parameter is
# created and whenever `secret_values_version` changes; in between, values set
# out of band (`aws ssm put-parameter --overwrite`) are left alone.
#
# - SPORTS_API_KEY: var.sports_api_key, or the placeholder below until it is set
#   out of band. An SSM parameter cannot be empty; sportsgate treats a value starting
#   with "unset-" as no key at all (src/config/serpapi_key.rs), so the service serves
#   from ESPN without ever calling SerpApi.
# - SPORTSGATE_ADMIN_TOKEN: var.admin_token, or a random 48-character token
#   generated at apply time (read it with `aws ssm get-parameter --with-decryption`).

locals {
  placeholder = "unset-set-me-with-aws-ssm-put-parameter"
}

ephemeral "random_password" "admin_token" {
  length  = 48
  special = false
}

resource "aws_ssm_parameter" "sports_api_key" {
  name             = "${var.parameter_prefix}/SPORTS_API_KEY"
  description      = "SerpApi key for sportsgate (env SPORTS_API_KEY)"
  type             = "SecureString"
  key_id           = var.kms_key_arn
  value_wo         = var.sports_api_key != null ? var.sports_api_key : local.placeholder
  value_wo_version = var.secret_values_version
  tags             = var.tags
}

resource "aws_ssm_parameter" "admin_token" {
  name             = "${var.parameter_prefix}/SPORTSGATE_ADMIN_TOKEN"
  description      = "Bearer token for sportsgate /admin/* (env SPORTSGATE_ADMIN_TOKEN)"
  type             = "SecureString"
  key_id           = var.kms_key_arn
  value_wo         = var.admin_token != null ? var.admin_token : ephemeral.random_password.admin_token.result
  value_wo_version = var.secret_values_version
  tags             = var.tags
}
