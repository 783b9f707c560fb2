#!/usr/bin/env bash
# `pulumi up` on a stack without a preview, retrying (10 x 30 s) while another
# update holds the stack (a rollout from another repository): Pulumi Cloud says
# "Another update is currently in progress", a self-managed backend (S3) "the
# stack is currently locked".
# Usage: pulumi-up.sh <stack> [more pulumi up flags, e.g. --target <urn>]
set -euo pipefail
stack=$1
shift
log=$(mktemp)
for attempt in $(seq 1 10); do
  if pulumi up --yes --skip-preview --stack "$stack" "$@" 2>&1 | tee "$log"; then
    exit 0
  fi
  if ! grep -qE "Another update is currently in progress|the stack is currently locked" "$log"; then
    exit 1
  fi
  echo "::notice::$stack is locked by another update (attempt $attempt of 10); retrying in 30 s"
  sleep 30
done
exit 1
