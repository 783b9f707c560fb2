#!/usr/bin/env bash
# Destroys a pull request's preview and removes its stack; a preview that was
# never made, or is gone, is no error.
# Usage: preview-destroy.sh <preview stack, org/fargo/pr<number>>
set -euo pipefail
full=$1
stack=${full##*/}
if ! pulumi stack ls --json | jq -e --arg s "$stack" 'any(.[]; .name == $s or (.name | endswith("/" + $s)))' > /dev/null; then
  echo "$stack has no preview"
  exit 0
fi
# A preview's stack file is the template's (destroy reads no config, but the
# CLI wants the file it would write to).
[ -f "Pulumi.$stack.yaml" ] || cp Pulumi.pr.yaml "Pulumi.$stack.yaml"
pulumi destroy --yes --skip-preview --remove --stack "$full"
