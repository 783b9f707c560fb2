#!/usr/bin/env bash
# Destroys every preview whose pull request is no longer open: a missed or
# failed close, caught by the daily run.
# Usage: preview-cleanup.sh <organization>; needs GH_TOKEN and GITHUB_REPOSITORY.
set -euo pipefail
org=$1
closed=()
for stack in $(pulumi stack ls --json | jq -r '.[].name | split("/") | last | select(test("^pr[1-9][0-9]*$"))'); do
  # Only a pull request GitHub says is closed, or has no such number for, ends
  # its preview: any other failure (rate limit, outage) stops the run.
  if ! state=$(gh api "repos/$GITHUB_REPOSITORY/pulls/${stack#pr}" --jq .state 2> "$RUNNER_TEMP/gh.err"); then
    if grep -q "HTTP 404" "$RUNNER_TEMP/gh.err"; then
      state=missing
    else
      cat "$RUNNER_TEMP/gh.err" >&2
      exit 1
    fi
  fi
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
