#!/usr/bin/env bash
# Destroys every preview whose pull request is no longer open: a missed or
# failed close, caught by the daily run.
# Usage: preview-cleanup.sh <organization>; needs GH_TOKEN and GITHUB_REPOSITORY.
set -euo pipefail
org=$1
closed=()
for stack in $(pulumi stack ls --json | jq -r '.[].name | split("/") | last | select(test("^pr[1-9][0-9]*$"))'); do
  state=$(gh api "repos/$GITHUB_REPOSITORY/pulls/${stack#pr}" --jq .state 2> /dev/null || echo missing)
  if [ "$state" != open ]; then
    closed+=("$stack")
  fi
done
if [ ${#closed[@]} = 0 ]; then
  echo "no preview of a closed pull request"
  exit 0
fi
echo "previews of closed pull requests: ${closed[*]}"
for stack in "${closed[@]}"; do
  bash .github/scripts/preview-destroy.sh "$org/fargo/$stack"
done
