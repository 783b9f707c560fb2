"""Evaluates IAM requests against policy documents with moto's evaluator (AWS's
wildcard rules on actions and resources, condition operators on the context
values given). Reads {"policies": {role: document}, "requests": [{"role",
"action", "resource", "context"}]} on stdin; writes a list of "allow" or "deny".
"""
import json
import sys

from moto.iam.access_control import IAMPolicy, PermissionResult


def main():
    data = json.load(sys.stdin)
    policies = {role: IAMPolicy(json.dumps(doc)) for role, doc in data["policies"].items()}
    out = []
    for r in data["requests"]:
        result = policies[r["role"]].is_action_permitted(r["action"], r["resource"], None, r.get("context") or {})
        out.append("allow" if result == PermissionResult.PERMITTED else "deny")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
