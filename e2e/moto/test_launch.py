"""Unit tests of launch.py's patches, against moto in process (mock_aws).

Run from e2e/ as `python3 moto/test_launch.py -v` (TestLauncherPatches does):
`python3 -m unittest moto/test_launch.py` would look for the module in the moto
package, as the folder has its name.
"""
import json
import os
import sys
import tempfile
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import launch  # noqa: E402 - after its folder is on the path


class InstanceGroupsFromInterface(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        launch.patch_instance_groups_from_interface()

    def setUp(self):
        mock = mock_aws()
        mock.start()
        self.addCleanup(mock.stop)
        self.ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        self.group = self.ec2.create_security_group(GroupName="nat", Description="nat", VpcId=vpc)["GroupId"]
        self.other = self.ec2.create_security_group(GroupName="other", Description="other", VpcId=vpc)["GroupId"]
        self.image = self.ec2.describe_images()["Images"][0]["ImageId"]

    def run_instance(self, **kwargs):
        reservation = self.ec2.run_instances(ImageId=self.image, InstanceType="t4g.nano", MinCount=1, MaxCount=1, **kwargs)
        return reservation["Instances"][0]["InstanceId"]

    def describe(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    def groups(self, instance_id):
        return [g["GroupId"] for g in self.describe(instance_id)["SecurityGroups"]]

    def test_groups_on_the_interface(self):
        # The provider's RunInstances for associate_public_ip_address + vpc_security_group_ids.
        instance_id = self.run_instance(NetworkInterfaces=[{
            "DeviceIndex": 0, "SubnetId": self.subnet, "Groups": [self.group], "AssociatePublicIpAddress": True,
        }])
        self.assertEqual(self.groups(instance_id), [self.group])
        primary = self.describe(instance_id)["NetworkInterfaces"][0]
        self.assertEqual([g["GroupId"] for g in primary["Groups"]], [self.group])

    def test_groups_follow_the_interface(self):
        # The provider changes vpc_security_group_ids on the primary interface.
        instance_id = self.run_instance(NetworkInterfaces=[{
            "DeviceIndex": 0, "SubnetId": self.subnet, "Groups": [self.group], "AssociatePublicIpAddress": True,
        }])
        eni = self.describe(instance_id)["NetworkInterfaces"][0]["NetworkInterfaceId"]
        self.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[self.other])
        self.assertEqual(self.groups(instance_id), [self.other])

    def test_groups_on_the_instance(self):
        instance_id = self.run_instance(SubnetId=self.subnet, SecurityGroupIds=[self.group])
        self.assertEqual(self.groups(instance_id), [self.group])
        self.ec2.modify_instance_attribute(InstanceId=instance_id, Groups=[self.other])
        self.assertEqual(self.groups(instance_id), [self.other])


class InjectFaults(unittest.TestCase):
    """The suite's fault injection answers as each protocol's AWS errors do, so
    the SDK retries them; with no fault asked, calls are served as before."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.path = os.path.join(cls.dir, "faults.json")
        os.environ["FARGO_E2E_FAULTS"] = cls.path
        launch.inject_faults()

    def setUp(self):
        mock = mock_aws()
        mock.start()
        self.addCleanup(mock.stop)
        self.addCleanup(self.ask, {})
        if os.path.exists(self.path + ".log"):
            os.remove(self.path + ".log")  # each test counts its own faults
        once = Config(retries={"total_max_attempts": 1, "mode": "standard"})
        self.ecs = boto3.client("ecs", region_name="us-east-1", config=once)
        self.ec2 = boto3.client("ec2", region_name="us-east-1", config=once)
        self.elb = boto3.client("elbv2", region_name="us-east-1", config=once)

    def ask(self, faults):
        with open(self.path, "w") as f:
            json.dump(faults, f)

    def code(self, call):
        with self.assertRaises(ClientError) as raised:
            call()
        return raised.exception.response["Error"]["Code"], raised.exception.response["ResponseMetadata"]["HTTPStatusCode"]

    def test_throttling_in_each_protocol(self):
        self.ask({"throttle": 1})
        self.assertEqual(self.code(self.ecs.list_clusters), ("ThrottlingException", 400))
        self.assertEqual(self.code(self.ec2.describe_vpcs), ("RequestLimitExceeded", 503))
        self.assertEqual(self.code(self.elb.describe_load_balancers), ("Throttling", 400))
        with open(self.path + ".log") as f:
            self.assertEqual(sum(1 for line in f if json.loads(line)["fault"] == "throttle"), 3)

    def test_server_error_for_one_action(self):
        self.ask({"serverError": {"action": "DescribeLoadBalancers", "fraction": 1}})
        self.assertEqual(self.code(self.elb.describe_load_balancers), ("InternalFailure", 500))
        self.elb.describe_target_groups()  # another action is served

    def test_faults_only_for_the_user_agent_asked(self):
        self.ask({"throttle": 1, "userAgent": "terraform"})
        self.assertEqual(self.ecs.list_clusters()["clusterArns"], [])  # boto3 is not the provider
        self.ask({"throttle": 1, "userAgent": "Boto3"})
        self.assertEqual(self.code(self.ecs.list_clusters), ("ThrottlingException", 400))

    def test_delay_holds_the_call(self):
        self.ask({"delay": {"ListClusters": 0.5}})
        started = time.monotonic()
        self.ecs.list_clusters()
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        with open(self.path + ".log") as f:
            self.assertIn({"fault": "delay", "action": "ListClusters"}, [json.loads(line) for line in f])

    def test_no_fault_serves_the_call(self):
        self.ask({})
        self.assertEqual(self.ecs.list_clusters()["clusterArns"], [])


if __name__ == "__main__":
    unittest.main()
