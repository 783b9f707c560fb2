"""moto for fargo's end-to-end suite.

Runs moto's server with the gaps that the Terraform AWS provider meets patched at
run time, one function per gap; the installed package is never edited. Arguments
are moto_server's (-H host -p port).
"""
import sys

from moto.server import main as moto_main


def patch_application_autoscaling_tags():
    """Application Auto Scaling: ListTagsForResource, TagResource and UntagResource
    are not implemented (the provider retries them forever), and
    RegisterScalableTarget ignores Tags. Keep tags in memory, by target ARN."""
    import json

    from moto.applicationautoscaling import responses

    cls = responses.ApplicationAutoScalingResponse
    tags = {}
    register = cls.register_scalable_target

    def register_scalable_target(self):
        body = register(self)
        arn = json.loads(body)["ScalableTargetARN"]
        new = self._get_param("Tags") or {}
        tags.setdefault(arn, {}).update(new)
        return body

    def list_tags_for_resource(self):
        return json.dumps({"Tags": tags.get(self._get_param("ResourceARN"), {})})

    def tag_resource(self):
        tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self):
        current = tags.get(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            current.pop(key, None)
        return json.dumps({})

    cls.register_scalable_target = register_scalable_target
    cls.list_tags_for_resource = list_tags_for_resource
    cls.tag_resource = tag_resource
    cls.untag_resource = untag_resource


def patch_deregister_missing_target():
    """Application Auto Scaling: DeregisterScalableTarget of a target that is gone
    answers ObjectNotFoundException in AWS (the provider then counts the target
    deleted); moto answers ValidationException, which fails a delete whose first
    call the provider retried."""
    from moto.applicationautoscaling import models
    from moto.core.exceptions import JsonRESTError

    cls = models.ApplicationAutoscalingBackend
    deregister = cls.deregister_scalable_target

    def deregister_scalable_target(self, namespace, r_id, dimension):
        if not self._scalable_target_exists(r_id, dimension):
            raise JsonRESTError("ObjectNotFoundException", f"No scalable target found for service namespace: {namespace}, resource ID: {r_id}, scalable dimension: {dimension}")
        return deregister(self, namespace, r_id, dimension)

    cls.deregister_scalable_target = deregister_scalable_target


def patch_scalable_target_moves_capacity():
    """Application Auto Scaling: registering a scalable target whose range leaves
    out the current capacity moves it into the range (AWS: "If you specify a
    minimum capacity that is greater than the current capacity, Application Auto
    Scaling scales out to the new minimum", and likewise in to a lower maximum;
    https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html).
    moto only stores the bounds. Move an ECS service's desired count the same way."""
    from moto.applicationautoscaling import models

    cls = models.ApplicationAutoscalingBackend
    register = cls.register_scalable_target

    def register_scalable_target(self, namespace, r_id, dimension, min_capacity, max_capacity, role_arn, suspended_state):
        target = register(self, namespace, r_id, dimension, min_capacity, max_capacity, role_arn, suspended_state)
        if namespace == "ecs" and dimension == "ecs:service:DesiredCount":
            _, cluster, name = r_id.split("/")
            service = self.ecs_backend._get_service(cluster, name)
            wanted = min(max(service.desired_count, target.min_capacity), target.max_capacity)
            if wanted != service.desired_count:
                self.ecs_backend.update_service({"cluster": cluster, "service": name, "desired_count": wanted})
        return target

    cls.register_scalable_target = register_scalable_target


# Fields of CreateService that moto drops; AWS returns them as sent.
ECS_SERVICE_FIELDS = [
    "capacityProviderStrategy",
    "availabilityZoneRebalancing",
    "healthCheckGracePeriodSeconds",
    "enableECSManagedTags",
    "deploymentConfiguration",
]


def patch_ecs_service_fields():
    """ECS: CreateService drops the fields above from what DescribeServices
    returns, which shows as a permanent diff. Keep what was sent. (UpdateService
    already stores what it is sent.)"""
    from moto.core.utils import camelcase_to_underscores
    from moto.ecs import responses

    cls = responses.EC2ContainerServiceResponse
    create = cls.create_service

    def create_service(self):
        result = create(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        for field in ECS_SERVICE_FIELDS:
            value = self._get_param(field)
            if value is not None:
                setattr(service, camelcase_to_underscores(field), value)
        return result

    cls.create_service = create_service


def patch_ecs_created_service_runs():
    """ECS: moto runs no task, and counts a service's desired tasks as running
    when UpdateService sets them, but never for CreateService, so a service
    created with tasks (a replaced one) is never stable. Count them the same way."""
    from moto.ecs import responses

    cls = responses.EC2ContainerServiceResponse
    create = cls.create_service

    def create_service(self):
        result = create(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        service.running_count, service.pending_count = service.desired_count, 0
        for deployment in service.deployments:
            deployment.update(runningCount=service.desired_count, pendingCount=0, rolloutState="COMPLETED")
        return result

    cls.create_service = create_service


def patch_security_group_rule_descriptions():
    """EC2: DescribeSecurityGroupRules leaves out the description of a rule that
    references another group (moto keeps it with the group pair)."""
    from moto.ec2.models import security_groups

    def description(self):
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description")

    security_groups.SecurityGroupRule.description = property(description)


def patch_budgets_subscribers():
    """Budgets: DescribeSubscribersForNotification is not implemented (an HTML 500
    to the provider), though CreateBudget keeps each notification's subscribers."""
    import json

    from moto.budgets import responses

    cls = responses.BudgetsResponse

    def same(a, b):
        keys = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")
        return all(str(a.get(k, "")) == str(b.get(k, "")) for k in keys)

    def describe_subscribers_for_notification(self):
        account_id = self._get_param("AccountId")
        budget_name = self._get_param("BudgetName")
        wanted = self._get_param("Notification")
        self.backend.describe_budget(account_id, budget_name)  # NotFound as AWS
        budget = self.backend.budgets[account_id][budget_name]
        for n in budget.notifications:
            if same(n.details, wanted):
                return json.dumps({"Subscribers": n.subscribers, "NextToken": None})
        return json.dumps({"Subscribers": []})

    cls.describe_subscribers_for_notification = describe_subscribers_for_notification


def patch_budgets_tags():
    """Budgets: ListTagsForResource, TagResource and UntagResource are not
    implemented, and CreateBudget ignores ResourceTags. Keep tags in memory, by
    budget ARN."""
    import json

    from moto.budgets import responses

    cls = responses.BudgetsResponse
    tags = {}
    create = cls.create_budget

    def create_budget(self):
        body = create(self)
        name = self._get_param("Budget")["BudgetName"]
        arn = f"arn:aws:budgets::{self._get_param('AccountId')}:budget/{name}"
        tags[arn] = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        return body

    def list_tags_for_resource(self):
        current = tags.get(self._get_param("ResourceARN"), {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(current.items())]})

    def tag_resource(self):
        current = tags.setdefault(self._get_param("ResourceARN"), {})
        current.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
        return json.dumps({})

    def untag_resource(self):
        current = tags.get(self._get_param("ResourceARN"), {})
        for key in self._get_param("ResourceTagKeys") or []:
            current.pop(key, None)
        return json.dumps({})

    cls.create_budget = create_budget
    cls.list_tags_for_resource = list_tags_for_resource
    cls.tag_resource = tag_resource
    cls.untag_resource = untag_resource


def patch_load_balancer_deletion_protection():
    """ELBv2: DeleteLoadBalancer ignores the deletion_protection.enabled
    attribute, which AWS enforces with OperationNotPermitted."""
    from moto.elbv2 import exceptions, models

    class OperationNotPermitted(exceptions.ELBClientError):
        code = "OperationNotPermitted"

    delete = models.ELBv2Backend.delete_load_balancer

    def delete_load_balancer(self, arn):
        lb = self.load_balancers.get(arn)
        if lb is not None and lb.attrs.get("deletion_protection.enabled") == "true":
            raise OperationNotPermitted(
                f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
            )
        return delete(self, arn)

    models.ELBv2Backend.delete_load_balancer = delete_load_balancer


def patch_route53_recreate():
    """Route 53: a CREATE of a record that was created and deleted before is
    refused as existing whenever any record sorts after it (moto's existence
    check lists record sets from that name on instead of matching it). Check the
    exact name, type and set identifier instead."""
    from moto.route53 import exceptions, models

    change = models.Route53Backend.change_resource_record_sets

    def change_resource_record_sets(self, zoneid, change_list):
        zone = self.get_hosted_zone(zoneid)
        for value in change_list:
            if value["Action"] != "CREATE":
                continue
            rs = value["ResourceRecordSet"]
            name = rs["Name"].rstrip(".") + "."
            for r in zone.rrsets:
                if r.name == name and r.type == rs["Type"] and r.set_identifier == rs.get("SetIdentifier"):
                    raise exceptions.ResourceRecordAlreadyExists(name=name, _type=rs["Type"])
            journaled = dict(value, ResourceRecordSet=dict(rs, Name=rs["Name"].strip(".")))
            while journaled in list(zone.rr_changes):
                zone.rr_changes.remove(journaled)
        return change(self, zoneid, change_list)

    models.Route53Backend.change_resource_record_sets = change_resource_record_sets


def patch_nat_gateway_deletion():
    """EC2: DeleteNatGateway leaves the gateway's Elastic IP associated with its
    network interface, so a new gateway cannot take the address. AWS
    disassociates it (and deletes the interface)."""
    from moto.ec2.models import nat_gateways

    cls = nat_gateways.NatGatewayBackend
    delete = cls.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        gateway = delete(self, nat_gateway_id)
        eni = getattr(gateway, "_eni", None)
        for eip in list(self.addresses):
            if eni is not None and eip.eni is eni:
                self.disassociate_address(address=eip.public_ip)
        return gateway

    cls.delete_nat_gateway = delete_nat_gateway


def patch_instance_groups_from_interface():
    """EC2: an instance launched with its security groups on its network interface
    (RunInstances NetworkInterfaces=[{DeviceIndex: 0, Groups: [...]}], how the
    provider launches one with associate_public_ip_address) has its primary
    interface's groups in AWS: DescribeInstances' SecurityGroups ("The security
    groups for the instance") lists them, and follows the interface's
    ModifyNetworkInterfaceAttribute, which the provider uses to change them;
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html.
    moto keeps an instance's own groups apart from its interfaces' and reports
    none, a drift of vpc_security_group_ids on refresh. When the instance holds no
    group of its own, report its primary (device index 0) interface's."""
    from moto.ec2.models import instances

    def get(self):
        own = self.__dict__.get("security_groups", [])
        primary = getattr(self, "nics", {}).get(0)
        return own if own or primary is None else list(primary._group_set)

    def set_(self, groups):
        self.__dict__["security_groups"] = groups

    instances.Instance.security_groups = property(get, set_)


def patch_sns_email_pending():
    """SNS: an e-mail subscription stays pending until its recipient opens the
    link AWS e-mails, and ListSubscriptionsByTopic reports its SubscriptionArn as
    "PendingConfirmation"; moto confirms every subscription at once. Report
    e-mail ones as AWS does there. (GetSubscriptionAttributes, which the provider
    reads, is left as moto answers it.)"""
    from moto.core.responses import ActionResult
    from moto.sns import responses

    cls = responses.SNSResponse

    def list_subscriptions_by_topic(self):
        subscriptions, next_token = self.backend.list_subscriptions_by_topic(
            self._get_param("TopicArn"), next_token=self._get_param("NextToken"))
        listed = [{
            "SubscriptionArn": "PendingConfirmation" if sub.protocol in ("email", "email-json") else sub.arn,
            "Owner": sub.owner, "Protocol": sub.protocol, "Endpoint": sub.endpoint, "TopicArn": sub.topic_arn,
        } for sub in subscriptions]
        return ActionResult({"Subscriptions": listed, "NextToken": next_token})

    cls.list_subscriptions_by_topic = list_subscriptions_by_topic


def record_calls():
    """Not a gap: when FARGO_E2E_CALLS names a file, append one JSON line per API
    call (the signing service, the action, the parameters and the path), so the
    suite can check the CI roles' policies against what each CI path really calls."""
    import json
    import os
    import re
    import threading

    from moto.core import responses

    path = os.environ.get("FARGO_E2E_CALLS")
    if not path:
        return
    lock = threading.Lock()
    call_action = responses.BaseResponse.call_action

    def recorded(self):
        try:
            auth = self.headers.get("Authorization") or ""
            scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
            body = self.body.decode() if isinstance(self.body, bytes) else (self.body or "")
            try:
                if isinstance(body, dict):  # DynamoDB's handler has parsed it already
                    params = body
                else:
                    params = json.loads(body) if body.lstrip().startswith("{") else self._get_params()
            except Exception:  # noqa: BLE001 - some protocols have no parsable params
                params = {}
            line = json.dumps({
                "service": scope.group(1) if scope else self.service_name,
                "action": self._get_action(),
                "params": params,
                "path": self.path,
                "userAgent": self.headers.get("User-Agent") or "",
            }, default=str)
            with lock, open(path, "a") as f:
                f.write(line + "\n")
        except Exception:  # noqa: BLE001 - recording never breaks a call
            pass
        return call_action(self)

    responses.BaseResponse.call_action = recorded


def inject_faults():
    """Not a gap: when FARGO_E2E_FAULTS names a file, each call reads it (a JSON
    object; absent or empty means no fault) and fails or waits as it says, the
    way AWS does under load: {"throttle": fraction} answers that share of calls
    with the service's throttling error (ThrottlingException in the JSON
    protocols, Throttling in the query ones, RequestLimitExceeded in EC2's, all
    400 or 503 as AWS sends them, which the SDK retries); {"serverError":
    {"action": name, "fraction": f}} answers that share of one action's calls
    with a 500; {"delay": {action: seconds}} holds an action's calls that long
    before serving them; {"userAgent": text} limits the faults to the calls whose
    User-Agent holds that text (the provider's hold "terraform"). Each fault is appended to <file>.log as one JSON line,
    so the suite can count what its operations survived. S3 is left alone."""
    import json
    import os
    import random
    import threading
    import time

    from moto.core import responses

    path = os.environ.get("FARGO_E2E_FAULTS")
    if not path:
        return
    lock = threading.Lock()
    draw = random.Random(27)
    call_action = responses.BaseResponse.call_action

    def faults():
        try:
            with open(path) as f:
                text = f.read().strip()
            return json.loads(text) if text else {}
        except (OSError, ValueError):
            return {}

    def error(self, status, code, message):
        service = getattr(self, "service_name", "") or ""
        headers = {"x-amzn-ErrorType": code, "x-amzn-RequestId": "fargo-e2e-fault"}
        if "json" in (self.headers.get("Content-Type") or "") or self.headers.get("X-Amz-Target"):
            headers["Content-Type"] = "application/x-amz-json-1.1"
            return status, headers, json.dumps({"__type": code, "message": message})
        headers["Content-Type"] = "text/xml"
        if service == "ec2":
            return status, headers, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>%s</Code>"
                                     "<Message>%s</Message></Error></Errors><RequestID>fargo-e2e-fault</RequestID></Response>" % (code, message))
        return status, headers, ("<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
                                 "<RequestId>fargo-e2e-fault</RequestId></ErrorResponse>" % ("Receiver" if status >= 500 else "Sender", code, message))

    def note(kind, action):
        with lock, open(path + ".log", "a") as f:
            f.write(json.dumps({"fault": kind, "action": action}) + "\n")

    def faulty(self):
        plan = faults()
        service = getattr(self, "service_name", "") or ""
        agent = (self.headers.get("User-Agent") or "").lower()
        if not plan or service == "s3" or plan.get("userAgent", "").lower() not in agent:
            return call_action(self)
        try:
            action = self._get_action()
        except Exception:  # noqa: BLE001 - a call without an action is served as is
            return call_action(self)
        wait = (plan.get("delay") or {}).get(action)
        if wait:
            note("delay", action)
            time.sleep(float(wait))
        with lock:
            roll = draw.random()
        server = plan.get("serverError") or {}
        if server.get("action") == action and roll < float(server.get("fraction", 1)):
            note("serverError", action)
            code = "InternalError" if service == "ec2" else "InternalFailure"
            return error(self, 500, code, "We encountered an internal error. Please try again.")
        if roll < float(plan.get("throttle", 0)):
            note("throttle", action)
            if service == "ec2":
                return error(self, 503, "RequestLimitExceeded", "Request limit exceeded.")
            json_protocol = "json" in (self.headers.get("Content-Type") or "") or self.headers.get("X-Amz-Target")
            return error(self, 400, "ThrottlingException" if json_protocol else "Throttling", "Rate exceeded")
        return call_action(self)

    responses.BaseResponse.call_action = faulty


PATCHES = [
    patch_application_autoscaling_tags,
    patch_deregister_missing_target,
    patch_scalable_target_moves_capacity,
    patch_ecs_service_fields,
    patch_ecs_created_service_runs,
    patch_security_group_rule_descriptions,
    patch_budgets_subscribers,
    patch_budgets_tags,
    patch_load_balancer_deletion_protection,
    patch_route53_recreate,
    patch_nat_gateway_deletion,
    patch_instance_groups_from_interface,
    patch_sns_email_pending,
    record_calls,
    inject_faults,
]

if __name__ == "__main__":
    for patch in PATCHES:
        patch()
    sys.exit(moto_main(sys.argv[1:]))
