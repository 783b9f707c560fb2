#!/usr/bin/env bash
# Makes a pull request's preview stack from Pulumi.pr.yaml, or selects it when it
# exists, and gives it its port on the host's load balancer: the one its
# listener holds (found by the listener's fargo-stack tag, with or without a
# domain), or else the lowest of the host's preview ports no listener holds. Writes
# created=true|false and port=<port> to $GITHUB_OUTPUT.
# Usage: preview-stack.sh <preview stack, org/fargo/pr<number>> <host stack, org/fargo/dev>
set -euo pipefail
full=$1
host=$2
stack=${full##*/}

previews=$(pulumi stack output previewHost --json --stack "$host")
from=$(jq -r .ports.from <<< "$previews")
to=$(jq -r .ports.to <<< "$previews")
balancer=$(jq -r .loadBalancerArn <<< "$previews")

# The stack's config is the template's, as fargo's checkout has it, and its port.
cp Pulumi.pr.yaml "Pulumi.$stack.yaml"
created=false
if ! pulumi stack select "$full" 2> /dev/null; then
  pulumi stack init "$full" > /dev/null
  created=true
fi

# Who holds each preview port: the fargo-stack tag of its listener (describe-tags
# takes 20 resources a call).
listeners=$(aws elbv2 describe-listeners --load-balancer-arn "$balancer" --query 'Listeners[].[Port,ListenerArn]' --output json |
  jq -c --argjson from "$from" --argjson to "$to" '[.[] | select(.[0] >= $from and .[0] <= $to)]')
holders="[]"
for batch in $(jq -c '[.[][1]] | select(length > 0) | _nwise(20)' <<< "$listeners"); do
  # shellcheck disable=SC2046 # one argument per listener
  tags=$(aws elbv2 describe-tags --resource-arns $(jq -r '.[]' <<< "$batch") --output json)
  holders=$(jq -c --argjson listeners "$listeners" --argjson tags "$tags" '. + [$tags.TagDescriptions[] | .ResourceArn as $a
    | {stack: ((.Tags[] | select(.Key == "fargo-stack") | .Value) // "?"), port: ($listeners[] | select(.[1] == $a) | .[0])}]' <<< "$holders")
done

# The port it holds (kept across pushes), or else the lowest one nobody holds.
port=$(jq -r --arg stack "$stack" '[.[] | select(.stack == $stack) | .port] | first // empty' <<< "$holders")
if [ -z "$port" ]; then
  for candidate in $(seq "$from" "$to"); do
    if ! jq -e --argjson p "$candidate" 'any(.[]; .port == $p)' <<< "$holders" > /dev/null; then
      port=$candidate
      break
    fi
  done
fi
if [ -z "$port" ]; then
  names=$(jq -r 'sort_by(.port) | map("\(.stack) (\(.port))") | join(", ")' <<< "$holders")
  echo "::error::all $((to - from + 1)) preview ports of ${host##*/} ($from-$to) are taken: $names; close one of their pull requests, or widen fargo:previews.ports in Pulumi.${host##*/}.yaml"
  exit 1
fi
pulumi config set --path --stack "$full" fargo:preview.port "$port"
{
  echo "created=$created"
  echo "port=$port"
} >> "$GITHUB_OUTPUT"
echo "$stack answers on port $port of ${host##*/}'s load balancer"
