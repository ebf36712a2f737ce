output "repository_url" {
  description = "Repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "Repository ARN (the execution role may pull from this repository only)."
  value       = aws_ecr_repository.this.arn
}

output "repository_name" {
  description = "Repository name."
  value       = aws_ecr_repository.this.name
}

output "build_cache_url" {
  description = "Mutable BuildKit cache repository for CodeBuild (tag buildcache)."
  value       = aws_ecr_repository.build_cache.repository_url
}

output "build_cache_arn" {
  description = "ARN of the build-cache repository."
  value       = aws_ecr_repository.build_cache.arn
}
