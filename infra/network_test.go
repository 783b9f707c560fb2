package infra_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/plan/mocks"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// networkVariant plans dev with another NAT mode and zone count.
func networkVariant(t *testing.T, nat config.NatMode, zones int) planned {
	t.Helper()
	sc := devWith(t, "fargo:network", fmt.Sprintf(`{"cidr":"10.0.0.0/16","availabilityZones":%d,"nat":%q}`, zones, nat))
	return runConfig(t, sc, mocks.Options{})
}

func TestAddressPlanFor10_0_0_0_16(t *testing.T) {
	for _, c := range []struct {
		tier config.Tier
		zone int
		want string
	}{
		{config.TierPublic, 0, "10.0.0.0/20"},
		{config.TierPublic, 1, "10.0.16.0/20"},
		{config.TierPublic, 5, "10.0.80.0/20"},
		{config.TierPrivate, 0, "10.0.128.0/20"},
		{config.TierPrivate, 2, "10.0.160.0/20"},
		{config.TierPrivate, 5, "10.0.208.0/20"},
	} {
		got, err := config.SubnetCidr("10.0.0.0/16", c.tier, c.zone)
		if err != nil || got != c.want {
			t.Errorf("%s zone %d: %q, %v; want %s", c.tier, c.zone, got, err, c.want)
		}
	}
	if got, _ := config.SubnetCidr("172.16.32.0/20", config.TierPrivate, 1); got != "172.16.41.0/24" {
		t.Errorf("a /20's private zone 1 is %s, want 172.16.41.0/24", got)
	}
	for _, bad := range []struct {
		cidr string
		zone int
	}{{"10.0.0.0/21", 0}, {"10.0.0.0/15", 0}, {"10.0.0.0/16", 6}, {"10.0.0.0/16", -1}, {"fd00::/56", 0}} {
		if got, err := config.SubnetCidr(bad.cidr, config.TierPublic, bad.zone); err == nil {
			t.Errorf("%s zone %d gave %s, want an error", bad.cidr, bad.zone, got)
		}
	}
}

type subnetPlace struct{ cidr, zone string }

func subnetsByURN(exp *graph.Export) map[string]subnetPlace {
	out := map[string]subnetPlace{}
	for _, s := range exp.Resources("aws:ec2/subnet:Subnet") {
		out[string(s.URN)] = subnetPlace{s.String("cidrBlock"), s.String("availabilityZone")}
	}
	return out
}

// TestNatAndZoneChangesMoveNoSubnet plans every NAT mode with 2 and 3 zones: a
// subnet present in two variants has the same URN, CIDR and zone in both.
func TestNatAndZoneChangesMoveNoSubnet(t *testing.T) {
	seen := map[string]subnetPlace{}
	seenIn := map[string]string{}
	for _, nat := range config.NatModes {
		for _, zones := range []int{2, 3} {
			variant := fmt.Sprintf("nat=%s zones=%d", nat, zones)
			subnets := subnetsByURN(networkVariant(t, nat, zones).exp)
			wantCount := zones
			if nat != config.NatNone {
				wantCount = 2 * zones
			}
			if len(subnets) != wantCount {
				t.Errorf("%s: %d subnets, want %d", variant, len(subnets), wantCount)
			}
			for urn, place := range subnets {
				if before, ok := seen[urn]; ok && before != place {
					t.Errorf("%s moves %s from %v (%s) to %v", variant, urn, before, seenIn[urn], place)
				}
				seen[urn], seenIn[urn] = place, variant
			}
		}
	}
	cidrs := map[string]string{}
	for urn, place := range seen {
		if other, ok := cidrs[place.cidr]; ok {
			t.Errorf("%s and %s share %s", urn, other, place.cidr)
		}
		cidrs[place.cidr] = urn
	}
	if len(seen) != 6 {
		t.Errorf("%d distinct subnets over all variants, want 6 (3 zones x 2 tiers)", len(seen))
	}
}

func TestNatResourcesPerMode(t *testing.T) {
	for _, nat := range config.NatModes {
		for _, zones := range []int{2, 3} {
			p := networkVariant(t, nat, zones)
			gateways := map[config.NatMode]int{config.NatNone: 0, config.NatSingle: 1, config.NatPerAz: zones, config.NatInstance: 0}[nat]
			instances := map[config.NatMode]int{config.NatInstance: 1}[nat]
			got := [3]int{len(p.exp.Resources("aws:ec2/natGateway:NatGateway")), len(p.exp.Resources("aws:ec2/eip:Eip")), len(p.exp.Resources("aws:ec2/instance:Instance"))}
			if got != [3]int{gateways, gateways, instances} {
				t.Errorf("nat=%s zones=%d: %d gateways, %d addresses, %d instances; want %d, %d, %d", nat, zones, got[0], got[1], got[2], gateways, gateways, instances)
			}
			if n := len(p.exp.Resources("awsx:ec2:Vpc")); n != 0 {
				t.Errorf("nat=%s: %d awsx VPCs", nat, n)
			}
		}
	}
}

// TestTasksAndEndpointsFollowNat checks where the services run and which route
// tables the gateway endpoints serve.
func TestTasksAndEndpointsFollowNat(t *testing.T) {
	for _, nat := range config.NatModes {
		t.Run(string(nat), func(t *testing.T) {
			p := networkVariant(t, nat, 2)
			tier, wantIP := "private", false
			if nat == config.NatNone {
				tier, wantIP = "public", true
			}
			wantSubnets := map[string]bool{}
			for _, s := range p.exp.Resources("aws:ec2/subnet:Subnet") {
				if strings.HasPrefix(s.Name(), "network-"+tier+"-") {
					wantSubnets[string(s.ID)] = true
				}
				if on, _ := s.Bool("mapPublicIpOnLaunch"); on {
					t.Errorf("%s maps public IPs on launch", s.Name())
				}
			}
			if n := len(p.exp.Resources("aws:ecs/service:Service")); n != len(p.cfg.Services) {
				t.Fatalf("%d ECS services for %d configured", n, len(p.cfg.Services))
			}
			for _, svc := range p.exp.Resources("aws:ecs/service:Service") {
				subnets := strs(svc.List("networkConfiguration", "subnets"))
				if len(subnets) != 2 {
					t.Errorf("%s runs in %d subnets, want 2", svc.Name(), len(subnets))
				}
				for _, id := range subnets {
					if !wantSubnets[id] {
						t.Errorf("%s runs in %s, not a %s subnet", svc.Name(), id, tier)
					}
				}
				if ip, _ := svc.Bool("networkConfiguration", "assignPublicIp"); ip != wantIP {
					t.Errorf("%s assignPublicIp=%v, want %v", svc.Name(), ip, wantIP)
				}
			}
			// The route tables of the task subnets, through their associations.
			var taskTables []string
			for _, a := range p.exp.Resources("aws:ec2/routeTableAssociation:RouteTableAssociation") {
				if wantSubnets[a.String("subnetId")] && !slices.Contains(taskTables, a.String("routeTableId")) {
					taskTables = append(taskTables, a.String("routeTableId"))
				}
			}
			slices.Sort(taskTables)
			endpoints := p.exp.Resources("aws:ec2/vpcEndpoint:VpcEndpoint")
			if nat == config.NatNone {
				if len(endpoints) != 0 {
					t.Errorf("%d gateway endpoints for public tasks, want none", len(endpoints))
				}
				return
			}
			if len(endpoints) != 2 {
				t.Fatalf("%d gateway endpoints, want 2 (s3, dynamodb)", len(endpoints))
			}
			for _, ep := range endpoints {
				got := strs(ep.List("routeTableIds"))
				slices.Sort(got)
				if !slices.Equal(got, taskTables) || len(got) == 0 {
					t.Errorf("%s on route tables %v, want the task subnets' %v", ep.Name(), got, taskTables)
				}
			}
		})
	}
}

func TestPrivateRoutesGoThroughTheirNat(t *testing.T) {
	for _, c := range []struct {
		nat config.NatMode
		via string
	}{{config.NatSingle, "natGatewayId"}, {config.NatPerAz, "natGatewayId"}, {config.NatInstance, "networkInterfaceId"}} {
		p := networkVariant(t, c.nat, 3)
		targets := map[string]bool{}
		for _, g := range p.exp.Resources("aws:ec2/natGateway:NatGateway") {
			targets[string(g.ID)] = true
		}
		for _, in := range p.exp.Resources("aws:ec2/instance:Instance") {
			targets[in.String("primaryNetworkInterfaceId")] = true
		}
		used := map[string]bool{}
		for z := range 3 {
			r := one(t, p.exp, "aws:ec2/route:Route", fmt.Sprintf("network-private-%d-rt-default", z))
			target := r.String(c.via)
			if !targets[target] || r.String("destinationCidrBlock") != "0.0.0.0/0" {
				t.Errorf("nat=%s: zone %d's default route goes via %s=%q to %q", c.nat, z, c.via, target, r.String("destinationCidrBlock"))
			}
			used[target] = true
		}
		if want := map[config.NatMode]int{config.NatPerAz: 3}[c.nat]; want > 0 && len(used) != want {
			t.Errorf("nat=%s: routes use %d gateways, want one per zone", c.nat, len(used))
		}
		public := one(t, p.exp, "aws:ec2/route:Route", "network-public-rt-default")
		if public.String("gatewayId") == "" {
			t.Errorf("nat=%s: the public default route does not use the internet gateway", c.nat)
		}
	}
}

func TestNatInstanceIsHardened(t *testing.T) {
	p := networkVariant(t, config.NatInstance, 2)
	in := one(t, p.exp, "aws:ec2/instance:Instance", "network-nat-instance")
	public0 := one(t, p.exp, "aws:ec2/subnet:Subnet", "network-public-0")
	if in.String("instanceType") != "t4g.nano" || in.String("subnetId") != string(public0.ID) {
		t.Errorf("instance %s in %s, want t4g.nano in network-public-0", in.String("instanceType"), in.String("subnetId"))
	}
	if v, ok := in.Bool("sourceDestCheck"); !ok || v {
		t.Errorf("sourceDestCheck = %v, want false", in.Value("sourceDestCheck"))
	}
	if in.String("metadataOptions", "httpTokens") != "required" {
		t.Errorf("IMDSv2 not required: %v", in.Value("metadataOptions"))
	}
	if !strings.HasPrefix(in.String("ami"), "ami-") || !slices.Contains(in.IgnoreChanges, "ami") {
		t.Errorf("ami %q, ignoreChanges %v", in.String("ami"), in.IgnoreChanges)
	}
	if in.String("userData") != infra.NatInstanceUserData("10.0.0.0/16") {
		t.Error("the instance does not boot with the NAT user data for its VPC")
	}
	if v, _ := in.Bool("userDataReplaceOnChange"); !v {
		t.Error("a changed boot script would restart the instance, where cloud-init does not run it again")
	}
	for _, dep := range []string{"network-public-rt-default", "network-public-0", "network-igw"} {
		if !slices.ContainsFunc(in.Dependencies, func(urn resource.URN) bool { return strings.HasSuffix(string(urn), "::"+dep) }) {
			t.Errorf("the NAT instance does not wait for %s: it would boot without a route to the internet", dep)
		}
	}
	from := one(t, p.exp, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "network-nat-instance-from-vpc")
	if from.String("cidrIpv4") != "10.0.0.0/16" {
		t.Errorf("NAT instance admits %q, want only the VPC", from.String("cidrIpv4"))
	}
	rules := 0
	for _, r := range p.exp.Resources("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if strings.HasPrefix(r.Name(), "network-nat-instance") {
			rules++
		}
	}
	if rules != 1 {
		t.Errorf("%d ingress rules on the NAT instance, want 1", rules)
	}
}

// heredoc returns the body of the here-document that starts with `<<'name'`.
func heredoc(t *testing.T, script, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(script, "<<'"+name+"'\n")
	if !ok {
		t.Fatalf("the script writes no %s", name)
	}
	body, _, ok := strings.Cut(rest, "\n"+name+"\n")
	if !ok {
		t.Fatalf("the %s here-document never ends", name)
	}
	return body + "\n"
}

func TestNatInstanceBootScript(t *testing.T) {
	script := infra.NatInstanceUserData("10.1.0.0/16")
	setup := heredoc(t, script, "SETUP")
	ruleset := heredoc(t, script, "RULESET")
	unit := heredoc(t, script, "UNIT")

	// The first-boot script only writes files and enables the unit: nothing in it
	// can fail on the network or on memory.
	outside := strings.Replace(strings.Replace(script, setup, "", 1), ruleset, "", 1)
	for _, line := range strings.Split(outside, "\n") {
		if command, _, _ := strings.Cut(strings.TrimSpace(line), " "); slices.Contains([]string{"dnf", "yum", "rpm", "curl", "iptables", "service"}, command) {
			t.Errorf("the first-boot script itself runs %q", line)
		}
	}
	for _, want := range []string{"systemctl enable fargo-nat.service", "/etc/sysctl.d/90-fargo-nat.conf", "net.ipv4.ip_forward = 1"} {
		if !strings.Contains(script, want) {
			t.Errorf("the first-boot script lacks %q", want)
		}
	}
	// The setup installs only when nft is missing, and loads the ruleset every boot.
	install := strings.Index(setup, "dnf install")
	guard := strings.Index(setup, "if ! command -v nft")
	if install < 0 || guard < 0 || guard > install || !strings.HasSuffix(setup, "fi\nnft -f /etc/fargo-nat.nft\n") {
		t.Errorf("the setup must install nftables only when nft is missing, then load the ruleset:\n%s", setup)
	}
	for _, want := range []string{"ip saddr 10.1.0.0/16 ip daddr != 10.1.0.0/16 masquerade", "delete table ip fargo_nat", "type nat hook postrouting"} {
		if !strings.Contains(ruleset, want) {
			t.Errorf("the ruleset lacks %q", want)
		}
	}
	// Persistence: every boot, after the network, retried until it succeeds.
	for _, want := range []string{"ExecStart=/usr/local/sbin/fargo-nat", "Restart=on-failure", "StartLimitIntervalSec=0", "After=network-online.target", "WantedBy=multi-user.target"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", want)
		}
	}

	for name, body := range map[string]string{"user data": script, "setup": setup} {
		if out, err := exec.Command("bash", "-n", "-c", body).CombinedOutput(); err != nil {
			t.Errorf("bash -n on the %s: %v\n%s", name, err, out)
		}
	}
	// nft -c parses the ruleset and checks it against the kernel's nf_tables
	// without applying it; it needs nftables (.ci/run installs it) and the right
	// to talk netlink, which an unprivileged user lacks.
	nft, err := exec.LookPath("nft")
	if err != nil {
		t.Log("nft is not installed: the ruleset is not checked here")
		return
	}
	file := filepath.Join(t.TempDir(), "fargo-nat.nft")
	if err := os.WriteFile(file, []byte(ruleset), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", file).CombinedOutput(); err != nil {
		if strings.Contains(string(out), "Operation not permitted") {
			t.Logf("nft -c may not use netlink here: the ruleset is not checked (%s)", strings.TrimSpace(string(out)))
			return
		}
		t.Errorf("nft -c on the ruleset: %v\n%s", err, out)
	}
	broken := filepath.Join(t.TempDir(), "broken.nft")
	if err := os.WriteFile(broken, []byte(strings.Replace(ruleset, "masquerade", "masqurade", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if exec.Command(nft, "-c", "-f", broken).Run() == nil {
		t.Error("nft -c accepted a misspelt ruleset: it checks nothing here")
	}
}

func TestNatInstanceHealsItself(t *testing.T) {
	p := networkVariant(t, config.NatInstance, 2)
	in := one(t, p.exp, "aws:ec2/instance:Instance", "network-nat-instance")
	for kind, want := range map[string]struct{ metric, action string }{
		"recover": {"StatusCheckFailed_System", "arn:aws:automate:ap-northeast-2:ec2:recover"},
		"reboot":  {"StatusCheckFailed_Instance", "arn:aws:automate:ap-northeast-2:ec2:reboot"},
	} {
		a := one(t, p.exp, "aws:cloudwatch/metricAlarm:MetricAlarm", "network-nat-instance-"+kind)
		if a.String("name") != "fargo-dev-nat-instance-"+kind || a.String("namespace") != "AWS/EC2" || a.String("metricName") != want.metric {
			t.Errorf("%s alarm: %s on %s/%s", kind, a.String("name"), a.String("namespace"), a.String("metricName"))
		}
		if a.String("dimensions", "InstanceId") != string(in.ID) {
			t.Errorf("%s alarm watches %q, want the NAT instance %q", kind, a.String("dimensions", "InstanceId"), in.ID)
		}
		if actions := a.List("alarmActions"); len(actions) != 1 || actions[0] != want.action {
			t.Errorf("%s alarm acts with %v, want %s", kind, actions, want.action)
		}
		if a.String("comparisonOperator") != "GreaterThanOrEqualToThreshold" || a.String("treatMissingData") != "notBreaching" {
			t.Errorf("%s alarm: %s, missing data %s", kind, a.String("comparisonOperator"), a.String("treatMissingData"))
		}
		if th, _ := a.Number("threshold"); th != 1 {
			t.Errorf("%s alarm threshold %v, want 1 (a failed check)", kind, th)
		}
	}
	for _, a := range planFor(t, "prod").exp.Resources("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if strings.Contains(a.Name(), "nat-instance") {
			t.Errorf("prod, behind a NAT gateway, has the NAT instance alarm %s", a.Name())
		}
	}
}

func TestVpcCidrMustFitTheAddressPlan(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{`{"cidr":"10.0.0.0/22"}`, "/16 to /20"},
		{`{"availabilityZones":7}`, "2 to 6"},
		{`{"nat":"gateway"}`, "instance"},
	} {
		_, err := config.ParseConfig("fargo", "dev", devWith(t, "fargo:network", c.value).Get)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "fargo:network.") {
			t.Errorf("%s: %v, want an error naming the key and %q", c.value, err, c.want)
		}
	}
}

// ec2Text is what EC2 accepts in security group names and descriptions and in
// rule descriptions (EC2 API reference, CreateSecurityGroup and IpRange): a-z,
// A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, at most 255 characters. The
// emulator does not check it, so this test must.
var ec2Text = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}$`)

func TestSecurityGroupTextIsValidForEC2(t *testing.T) {
	plans := map[string]planned{"dev": planFor(t, "dev"), "prod": planFor(t, "prod"), "dev nat=instance": networkVariant(t, config.NatInstance, 2)}
	for label, p := range plans {
		checked := 0
		for _, typ := range []string{"aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
			for _, r := range p.exp.Resources(typ) {
				texts := map[string]string{"description": r.String("description")}
				if typ == "aws:ec2/securityGroup:SecurityGroup" {
					// Unnamed groups are auto-named: the logical name plus a suffix.
					texts["name"] = r.Name() + "-1234567"
					if n := r.String("name"); n != "" {
						texts["name"] = n
					}
					if strings.HasPrefix(texts["name"], "sg-") {
						t.Errorf("%s: %s: a group name may not start with sg-", label, r.Name())
					}
				}
				for field, text := range texts {
					checked++
					if !ec2Text.MatchString(text) {
						t.Errorf("%s: %s %s %q has characters or a length EC2 refuses", label, r.Name(), field, text)
					}
				}
			}
		}
		if checked < 10 {
			t.Errorf("%s: only %d texts checked", label, checked)
		}
	}
}

func TestEc2TextPatternRefusesWhatEC2Refuses(t *testing.T) {
	for text, ok := range map[string]bool{
		"to ECR, CloudWatch Logs and the app dependencies":   true,
		"to ECR, CloudWatch Logs and the app's dependencies": false,
		"tasks: from the load balancer only (port 3000)":     true,
		"naïve": false, strings.Repeat("a", 256): false,
	} {
		if ec2Text.MatchString(text) != ok {
			t.Errorf("%q: accepted=%v, want %v", text, !ok, ok)
		}
	}
}
