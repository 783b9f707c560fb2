#!/usr/bin/env bash
# Makes a pull request's preview stack from Pulumi.pr.yaml, or selects it when it
# exists, and gives it its port on the host's load balancer: the one it has, or
# else the lowest of the host's preview ports no listener holds. Writes
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

# The stack's config is the template's, as the pull request has it, and its port.
cp Pulumi.pr.yaml "Pulumi.$stack.yaml"
created=false
port=""
if pulumi stack select "$full" 2> /dev/null; then
  port=$(pulumi stack output url --stack "$full" 2> /dev/null | sed -nE 's/^http:\/\/[^:]+:([0-9]+)$/\1/p')
else
  pulumi stack init "$full" > /dev/null
  created=true
fi
if [ -z "$port" ]; then
  listeners=$(aws elbv2 describe-listeners --load-balancer-arn "$balancer" --query 'Listeners[].[Port,ListenerArn]' --output json)
  for candidate in $(seq "$from" "$to"); do
    if ! jq -e --argjson p "$candidate" 'any(.[]; .[0] == $p)' <<< "$listeners" > /dev/null; then
      port=$candidate
      break
    fi
  done
fi
if [ -z "$port" ]; then
  holders=$(jq -r --argjson from "$from" --argjson to "$to" '.[] | select(.[0] >= $from and .[0] <= $to) | .[1]' <<< "$listeners")
  # shellcheck disable=SC2086 # one argument per listener
  names=$(aws elbv2 describe-tags --resource-arns $holders --output json |
    jq -r --argjson listeners "$listeners" '[.TagDescriptions[] | .ResourceArn as $a
      | "\((.Tags[] | select(.Key == "fargo-stack") | .Value) // "?") (\($listeners[] | select(.[1] == $a) | .[0]))"] | join(", ")')
  echo "::error::all $((to - from + 1)) preview ports of ${host##*/} ($from-$to) are taken: $names; close one of their pull requests, or widen fargo:previews.ports in Pulumi.${host##*/}.yaml"
  exit 1
fi
pulumi config set --path --stack "$full" fargo:preview.port "$port"
{
  echo "created=$created"
  echo "port=$port"
} >> "$GITHUB_OUTPUT"
echo "$stack answers on port $port of ${host##*/}'s load balancer"
