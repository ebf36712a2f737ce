# Used by deploy/ci-checks.sh: checkov evaluates the Terraform a second time
# with every optional feature on, so resources behind `count` are checked too.
# Not a real deployment: the values are placeholders.
aws_region             = "eu-west-1"
availability_zones     = ["eu-west-1a", "eu-west-1b"]
image_tag              = "0123456789abcdef"
alb_certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
alb_tls_server_name    = "sportsgate.internal.example.com"
alb_access_logs_bucket = "example-elb-access-logs"
alarm_email            = "oncall@example.com"
github_repository      = "acme-sports/sportsgate"
