terraform {
  # 1.11+: write-only arguments (value_wo / password_wo) and ephemeral
  # variables keep the API key, admin token and DB password out of state.
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # Remote state (recommended beyond a trial): an S3 bucket with versioning,
  # SSE-KMS and native locking. Configure at init time, e.g.
  #   terraform init -backend-config=backend.hcl
  # with backend.hcl holding bucket, key, region, encrypt = true, use_lockfile = true,
  # after uncommenting:
  # backend "s3" {}
}
