#!/usr/bin/env bash
# Puts a body on the pull request as the bot's one comment holding a marker:
# edits that comment when it exists, else adds it.
# Usage: pr-comment.sh <marker> <body file>; needs GH_TOKEN, GITHUB_REPOSITORY, PR_NUMBER.
set -euo pipefail
marker=$1
body=$2
id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" |
  jq -rs --arg marker "$marker" '[.[][] | select(.user.login == "github-actions[bot]" and (.body | contains($marker)))][0].id // empty')
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" > /dev/null
  echo "edited comment $id"
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" > /dev/null
  echo "added the comment"
fi
