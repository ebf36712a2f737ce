#!/usr/bin/env bash
# The one release flow (GitHub deploy.yml and buildspec.yml both run it):
#
#   deploy/release.sh <image>       roll out <repo>:<tag> (an image already pushed)
#   deploy/release.sh --current     re-release the running image, e.g. after a Terraform
#                                   change to environment, secrets, CPU or memory
#
# Terraform owns the task definition's content (environment, secrets, roles, sizes, logs)
# and publishes the ARN of its latest revision in an SSM parameter; releases own which image
# runs. This script starts from Terraform's revision (never from whatever runs now, so a
# Terraform change is never lost), sets the image, registers it, updates the service and
# waits until that revision is the one running. It fails if ECS rolled it back.
#
# Environment: ECS_CLUSTER, ECS_SERVICE, RELEASE_PARAMETER (Terraform outputs
# ecs_cluster_name, ecs_service_name, release_parameter_name), optional CONTAINER_NAME
# (default sportsgate) and WAIT_SECONDS (default 900). Needs the aws CLI v2 and jq.
set -euo pipefail

: "${ECS_CLUSTER:?set ECS_CLUSTER}" "${ECS_SERVICE:?set ECS_SERVICE}" "${RELEASE_PARAMETER:?set RELEASE_PARAMETER}"
CONTAINER_NAME="${CONTAINER_NAME:-sportsgate}"
WAIT_SECONDS="${WAIT_SECONDS:-900}"
POLL_SECONDS="${POLL_SECONDS:-15}"
image="${1:?usage: release.sh <image> | --current}"

log() { printf 'release: %s\n' "$*" >&2; }

service_json() {
  aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$ECS_SERVICE" --query 'services[0]' --output json
}

if [[ "$image" == "--current" ]]; then
  running_td="$(service_json | jq -r '.taskDefinition')"
  image="$(aws ecs describe-task-definition --task-definition "$running_td" --query taskDefinition --output json |
    jq -er --arg c "$CONTAINER_NAME" '[.containerDefinitions[] | select(.name == $c)] | if length == 1 then .[0].image else error("container \($c) not found") end')"
  log "re-releasing the running image $image"
fi
if [[ "$image" != *:* || "$image" == *:latest ]]; then
  echo "release: $image must carry an immutable tag (not latest)" >&2
  exit 2
fi

template_arn="$(aws ssm get-parameter --name "$RELEASE_PARAMETER" --query Parameter.Value --output text)"
log "template (Terraform's revision): $template_arn"

# Keep what register-task-definition accepts; drop what ECS adds on registration.
aws ecs describe-task-definition --task-definition "$template_arn" --query taskDefinition --output json |
  jq --arg c "$CONTAINER_NAME" --arg image "$image" '
    if ([.containerDefinitions[] | select(.name == $c)] | length) != 1
    then error("template has no single container named \($c)") else . end
    | .containerDefinitions |= map(if .name == $c then .image = $image else . end)
    | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
          .registeredAt, .registeredBy, .deregisteredAt)' >task-definition.json

new_arn="$(aws ecs register-task-definition --cli-input-json file://task-definition.json \
  --query taskDefinition.taskDefinitionArn --output text)"
log "registered $new_arn"

aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --task-definition "$new_arn" \
  --query 'service.serviceName' --output text >/dev/null
log "service updated; waiting up to ${WAIT_SECONDS}s for the rollout"

deadline=$((SECONDS + WAIT_SECONDS))
while :; do
  svc="$(service_json)"
  primary_td="$(jq -r '.deployments[] | select(.status == "PRIMARY") | .taskDefinition' <<<"$svc")"
  state="$(jq -r '.deployments[] | select(.status == "PRIMARY") | .rolloutState' <<<"$svc")"
  if [[ "$primary_td" != "$new_arn" ]]; then
    echo "release: ECS rolled back to $primary_td (the new tasks never became healthy)" >&2
    exit 1
  fi
  case "$state" in
    COMPLETED)
      log "rollout completed: $image is running"
      exit 0
      ;;
    FAILED)
      echo "release: rollout FAILED: $(jq -r '.deployments[] | select(.status == "PRIMARY") | .rolloutStateReason' <<<"$svc")" >&2
      exit 1
      ;;
  esac
  if ((SECONDS >= deadline)); then
    echo "release: rollout still $state after ${WAIT_SECONDS}s" >&2
    exit 1
  fi
  sleep "$POLL_SECONDS"
done
