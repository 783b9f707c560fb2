#!/usr/bin/env bash
# Lists, in the job's summary, the stack's alarm e-mail subscriptions that nobody
# has confirmed: those still pending, and those SNS deleted after 48 hours
# unconfirmed (https://aws.amazon.com/about-aws/whats-new/2023/05/amazon-sns-automatic-deletion-unconfirmed-subscriptions/),
# which the stack still holds until a `pulumi up --refresh` subscribes them again.
# Usage: alarm-emails.sh <stack>; needs the Pulumi CLI, jq and AWS credentials.
set -euo pipefail
stack=$1
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
if ! topic=$(pulumi stack output alarmTopicArn --stack "$stack" 2> /dev/null) || [ -z "$topic" ]; then
  echo "$stack has no alarm topic (fargo:alarms is off)"
  exit 0
fi
subscribed=$(pulumi stack export --stack "$stack" |
  jq -r '.deployment.resources[] | select(.type == "aws:sns/topicSubscription:TopicSubscription") | .outputs.endpoint')
listed=$(aws sns list-subscriptions-by-topic --topic-arn "$topic" \
  --query 'Subscriptions[].[Endpoint, SubscriptionArn]' --output text)
pending=()
deleted=()
for address in $subscribed; do
  arn=$(awk -v address="$address" '$1 == address { print $2 }' <<< "$listed")
  if [ -z "$arn" ]; then
    deleted+=("$address")
  elif [ "$arn" = PendingConfirmation ]; then
    pending+=("$address")
  fi
done
if [ ${#pending[@]} -eq 0 ] && [ ${#deleted[@]} -eq 0 ]; then
  echo "every alarm e-mail subscription of $stack is confirmed"
  exit 0
fi
{
  echo "### Alarm e-mails not confirmed ($stack)"
  echo
  for address in "${pending[@]}"; do
    echo "- $address: pending; open the link in AWS Notifications' message within 48 hours"
  done
  for address in "${deleted[@]}"; do
    echo "- $address: deleted by SNS, never confirmed; \`pulumi up --refresh --stack $stack\` subscribes it again"
  done
} >> "$summary"
for address in "${pending[@]}" "${deleted[@]}"; do
  echo "::warning::$address has not confirmed the alarm e-mails of $stack"
done
