# Private image repository per environment (<name>-<environment>, so staging and prod never
# share tags or lifecycle): immutable tags, scan on push, KMS encryption.
#
# Lifecycle and multi-arch images: a release is one tagged image index plus untagged child
# manifests (one per architecture, plus attestations). A rule that expires untagged images
# by age, or counts "any" images, can delete the arm64 child of a release that is still
# deployed, or keep only a handful of releases. So the only rule counts *tagged* images
# (release indexes) and keeps the newest var.keep_releases of them; untagged images are
# never expired by a rule. Children of an expired index stay as small orphans (a few MB
# each); remove them with deploy/README.md's "ECR housekeeping" command if ever needed.

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the newest ${var.keep_releases} releases (tagged image indexes); never touch untagged children"
        selection = {
          tagStatus      = "tagged"
          tagPatternList = ["*"]
          countType      = "imageCountMoreThan"
          countNumber    = var.keep_releases
        }
        action = { type = "expire" }
      },
    ]
  })
}

# BuildKit layer cache for CodeBuild (buildspec.yml): one mutable tag, `buildcache`,
# rewritten by every build. Separate from the release repository, whose tags are immutable.
resource "aws_ecr_repository" "build_cache" {
  #checkov:skip=CKV_AWS_51:A build cache is one tag rewritten by every build; release images live in the immutable repository above.
  name                 = "${var.name}-buildcache"
  image_tag_mutability = "MUTABLE"
  force_delete         = true

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "build_cache" {
  repository = aws_ecr_repository.build_cache.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Cache blobs no tag points to any more"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 3
        }
        action = { type = "expire" }
      },
    ]
  })
}
