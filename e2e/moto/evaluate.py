"""Evaluates IAM requests against policy documents with moto's evaluator (AWS's
wildcard rules on actions and resources). Reads {"policies": {role: document},
"requests": [{"role", "action", "resource", "context"}]} on stdin; writes a list
of "allow" or "deny".

Moto judges only StringEquals, ignores every other condition operator (allowing
what AWS may refuse), skips a condition whose key is absent, and turns a failed
condition on an Allow into an explicit deny. The IAM condition semantics below
replace that: the operators fargo's policies use, IfExists, the ForAllValues and
ForAnyValue qualifiers, and absent keys; an unknown operator stops the run
instead of passing silently.
"""
import json
import re
import sys

from moto.iam import access_control
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult


def wildcard(pattern, value):
    """IAM's wildcards: * any run of characters, ? exactly one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


MATCHERS = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringLike": lambda actual, expected: wildcard(expected, actual),
    "ArnEquals": lambda actual, expected: actual == expected,
    "ArnLike": lambda actual, expected: wildcard(expected, actual),
    "Bool": lambda actual, expected: str(actual).lower() == str(expected).lower(),
}
NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def holds(operator, key, expected, context):
    qualifier, _, op = operator.rpartition(":")
    expected = expected if isinstance(expected, list) else [expected]
    if_exists = op.endswith("IfExists")
    op = op[: -len("IfExists")] if if_exists else op
    if op == "Null":
        return (key not in context) == (str(expected[0]).lower() == "true")
    negated = op in NEGATED
    match = MATCHERS.get(NEGATED.get(op, op))
    if match is None:
        raise SystemExit(f"evaluate.py: condition operator {operator} is not implemented")
    if key not in context:
        return if_exists or negated or qualifier == "ForAllValues"
    values = context[key] if isinstance(context[key], list) else [context[key]]

    def one(v):
        hit = any(match(str(v), str(e)) for e in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in values)
    return one(values[0])


def conditions_hold(conditions, context):
    return all(holds(op, key, expected, context) for op, pairs in conditions.items() for key, expected in pairs.items())


def patch():
    permitted = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, context=None):
        result = permitted(self, action, resource, principal, None)
        if result != PermissionResult.NEUTRAL and not conditions_hold(self._statement.get("Condition") or {}, context or {}):
            return PermissionResult.NEUTRAL  # a statement whose condition fails does not apply
        return result

    IAMPolicyStatement._check_conditions = lambda self, values: True
    IAMPolicyStatement._match = staticmethod(lambda pattern, value: wildcard(pattern, value) or None)
    IAMPolicyStatement.is_action_permitted = is_action_permitted
    assert access_control.IAMPolicyStatement is IAMPolicyStatement


def main():
    patch()
    data = json.load(sys.stdin)
    policies = {role: IAMPolicy(json.dumps(doc)) for role, doc in data["policies"].items()}
    out = []
    for r in data["requests"]:
        result = policies[r["role"]].is_action_permitted(r["action"], r["resource"], None, r.get("context") or {})
        out.append("allow" if result == PermissionResult.PERMITTED else "deny")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
