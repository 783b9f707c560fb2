package cost

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const stackURN = "urn:pulumi:t::fargo::pulumi:pulumi:Stack::fargo-t"

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// fixture is a small hand-made graph: one service on the given strategy.
func fixture(region string, strategies []any, arch string, minTasks, maxTasks float64, publicIP bool) *graph.Export {
	return &graph.Export{Version: 3, Deployment: graph.Deployment{Resources: []graph.Resource{
		{URN: stackURN, Type: graph.RootStackType},
		{URN: "urn:pulumi:t::fargo::pulumi:providers:aws::default", Type: "pulumi:providers:aws", Custom: true, Inputs: map[string]any{"region": region}},
		{URN: "urn:td", Type: "aws:ecs/taskDefinition:TaskDefinition", Custom: true,
			Inputs:  map[string]any{"family": "fam", "cpu": "1024", "memory": "2048", "runtimePlatform": map[string]any{"cpuArchitecture": arch}},
			Outputs: map[string]any{"arn": "arn:aws:ecs:r:1:task-definition/fam:7"}},
		{URN: "urn:svc", Type: "aws:ecs/service:Service", Custom: true,
			Inputs: map[string]any{"name": "api", "cluster": "arn:aws:ecs:r:1:cluster/main", "taskDefinition": "arn:aws:ecs:r:1:task-definition/fam:7",
				"desiredCount": minTasks, "capacityProviderStrategies": strategies,
				"networkConfiguration": map[string]any{"assignPublicIp": publicIP}}},
		{URN: "urn:target", Type: "aws:appautoscaling/target:Target", Custom: true,
			Inputs: map[string]any{"resourceId": "service/main/api", "minCapacity": minTasks, "maxCapacity": maxTasks}},
	}}}
}

func spotOnly() []any {
	return []any{map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1.0}}
}

func TestSpotServiceCostsSpotRates(t *testing.T) {
	book, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"ap-northeast-2", "us-east-1"} {
		for _, arch := range []string{"X86_64", "ARM64"} {
			est, err := EstimateGraph(fixture(region, spotOnly(), arch, 3, 5, false), Assumptions{})
			if err != nil {
				t.Fatal(err)
			}
			p := book.Regions[region].Prices
			vcpuKey, gbKey := "spotVcpuHour", "spotGbHour"
			if arch == "ARM64" {
				vcpuKey, gbKey = "spotArmVcpuHour", "spotArmGbHour"
			}
			perTask := (1*p[vcpuKey].Price + 2*p[gbKey].Price) * 730
			if !near(est.TotalMonthly, 3*perTask) || !near(est.TotalMonthlyAtMax, 5*perTask) {
				t.Errorf("%s %s: %.4f/%.4f, want %.4f/%.4f", region, arch, est.TotalMonthly, est.TotalMonthlyAtMax, 3*perTask, 5*perTask)
			}
		}
	}
}

func TestOnDemandBaseAndPublicIPs(t *testing.T) {
	book, _ := Prices()
	p := book.Regions["ap-northeast-2"].Prices
	strategies := []any{
		map[string]any{"capacityProvider": "FARGATE", "base": 1.0, "weight": 0.0},
		map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1.0},
	}
	est, err := EstimateGraph(fixture("ap-northeast-2", strategies, "X86_64", 2, 4, true), Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	od := (p["fargateVcpuHour"].Price + 2*p["fargateGbHour"].Price) * 730
	spot := (p["spotVcpuHour"].Price + 2*p["spotGbHour"].Price) * 730
	ip := p["publicIpv4Hour"].Price * 730
	if want := od + spot + 2*ip; !near(est.TotalMonthly, want) {
		t.Errorf("at min %.4f, want %.4f", est.TotalMonthly, want)
	}
	if want := od + 3*spot + 4*ip; !near(est.TotalMonthlyAtMax, want) {
		t.Errorf("at max %.4f, want %.4f", est.TotalMonthlyAtMax, want)
	}
}

func TestSplit(t *testing.T) {
	cases := []struct {
		s           Strategy
		n, od, spot int
		name        string
	}{
		{Strategy{SpotWeight: 1}, 4, 0, 4, "all spot"},
		{Strategy{OnDemandWeight: 1}, 4, 4, 0, "all on-demand"},
		{Strategy{OnDemandBase: 1, SpotWeight: 1}, 4, 1, 3, "base under spot"},
		{Strategy{OnDemandBase: 2, SpotWeight: 1}, 1, 1, 0, "base above count"},
		{Strategy{OnDemandWeight: 1, SpotWeight: 1}, 3, 2, 1, "odd split rounds to on-demand"},
		{Strategy{OnDemandWeight: 1, SpotWeight: 3}, 8, 2, 6, "weights"},
		{Strategy{SpotBase: 1, OnDemandWeight: 1}, 3, 2, 1, "spot base"},
		{Strategy{SpotWeight: 1}, 0, 0, 0, "idle"},
	}
	for _, c := range cases {
		od, spot := c.s.Split(c.n)
		if od != c.od || spot != c.spot {
			t.Errorf("%s: Split(%d) = %d/%d, want %d/%d", c.name, c.n, od, spot, c.od, c.spot)
		}
	}
}

func TestUnknownRegionIsAnError(t *testing.T) {
	_, err := EstimateGraph(fixture("mars-north-1", spotOnly(), "X86_64", 1, 1, false), Assumptions{})
	if err == nil || !strings.Contains(err.Error(), `"mars-north-1"`) || !strings.Contains(err.Error(), "ap-northeast-2") {
		t.Errorf("got %v", err)
	}
	exp := fixture("", spotOnly(), "X86_64", 1, 1, false)
	if _, err := EstimateGraph(exp, Assumptions{}); err == nil {
		t.Error("a graph without a region was priced")
	}
}

// natGraph is a us-east-1 graph with the given NAT gateways (each with its
// Elastic IP) and NAT instances.
func natGraph(gateways, instances int) *graph.Export {
	res := []graph.Resource{{URN: stackURN, Type: graph.RootStackType, Outputs: map[string]any{"region": "us-east-1"}}}
	for i := range gateways {
		res = append(res,
			graph.Resource{URN: resource.URN(fmt.Sprintf("urn:nat%d", i)), Type: "aws:ec2/natGateway:NatGateway", Custom: true},
			graph.Resource{URN: resource.URN(fmt.Sprintf("urn:eip%d", i)), Type: "aws:ec2/eip:Eip", Custom: true})
	}
	for i := range instances {
		res = append(res, graph.Resource{URN: resource.URN(fmt.Sprintf("urn:i%d", i)), Type: "aws:ec2/instance:Instance", Custom: true, Inputs: map[string]any{
			"instanceType": "t4g.nano", "associatePublicIpAddress": true, "rootBlockDevice": map[string]any{"volumeSize": 8.0},
		}})
	}
	return &graph.Export{Deployment: graph.Deployment{Resources: res}}
}

func TestNatPricingCountsTheGraph(t *testing.T) {
	// us-east-1 list prices (PRICES.md): NAT gateway 0.045/h, public IPv4 0.005/h,
	// t4g.nano 0.0042/h, gp3 0.08/GB-month; 730 hours.
	perGateway := (0.045 + 0.005) * 730        // 36.50
	perInstance := (0.0042+0.005)*730 + 8*0.08 // 6.716 + 0.64
	for _, c := range []struct {
		gateways, instances int
		want                float64
	}{{0, 0, 0}, {1, 0, perGateway}, {3, 0, 3 * perGateway}, {0, 1, perInstance}} {
		est, err := EstimateGraph(natGraph(c.gateways, c.instances), Assumptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !near(est.TotalMonthly, c.want) {
			t.Errorf("%d gateways, %d instances: %.4f, want %.4f", c.gateways, c.instances, est.TotalMonthly, c.want)
		}
	}
}

func TestUnpricedInstanceTypeIsNoted(t *testing.T) {
	exp := natGraph(0, 1)
	exp.Deployment.Resources[1].Inputs["instanceType"] = "m7g.large"
	est, err := EstimateGraph(exp, Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	if est.TotalMonthly != 0 || len(est.Notes) == 0 || !strings.Contains(strings.Join(est.Notes, " "), "m7g.large") {
		t.Errorf("total %.4f, notes %v", est.TotalMonthly, est.Notes)
	}
}

func TestAssumptionsArePriced(t *testing.T) {
	exp := natGraph(1, 0)
	exp.Deployment.Resources = append(exp.Deployment.Resources,
		graph.Resource{URN: "urn:lg", Type: "aws:cloudwatch/logGroup:LogGroup", Custom: true})
	book, _ := Prices()
	p := book.Regions["us-east-1"].Prices
	zero, _ := EstimateGraph(exp, Assumptions{})
	busy, err := EstimateGraph(exp, Assumptions{LogGB: 10, NatGB: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := 10*(p["logsIngestGb"].Price+p["logsStorageGbMonth"].Price) + 100*p["natGb"].Price
	if !near(busy.TotalMonthly-zero.TotalMonthly, want) {
		t.Errorf("usage adds %.4f, want %.4f", busy.TotalMonthly-zero.TotalMonthly, want)
	}
}

func TestCompareReportsAddedRemovedChanged(t *testing.T) {
	base := fixture("us-east-1", spotOnly(), "X86_64", 1, 2, false)
	head := fixture("us-east-1", spotOnly(), "X86_64", 2, 2, false)
	head.Deployment.Resources = append(head.Deployment.Resources, graph.Resource{URN: "urn:zone", Type: "aws:route53/zone:Zone", Custom: true})
	base.Deployment.Resources = append(base.Deployment.Resources, graph.Resource{URN: "urn:old", Type: "aws:ssm/parameter:Parameter", Custom: true})
	d, err := Compare(base, head, Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != 1 || d.Added[0].URN != "urn:zone" || d.Added[0].MonthlyAfter != 0.5 {
		t.Errorf("added %+v", d.Added)
	}
	if len(d.Removed) != 1 || d.Removed[0].URN != "urn:old" {
		t.Errorf("removed %+v", d.Removed)
	}
	changed := map[string]bool{}
	for _, c := range d.Changed {
		changed[c.URN] = true
	}
	if !changed["urn:svc"] || !changed["urn:target"] || changed["urn:td"] {
		t.Errorf("changed %+v", d.Changed)
	}
	book, _ := Prices()
	p := book.Regions["us-east-1"].Prices
	perTask := (p["spotVcpuHour"].Price + 2*p["spotGbHour"].Price) * 730
	if !near(d.MonthlyDelta, perTask+0.5) {
		t.Errorf("delta %.4f, want %.4f", d.MonthlyDelta, perTask+0.5)
	}
}

// TestOnArmShowsTheGravitonFigure prices an x86 service's minimum tasks on ARM64
// with Seoul's published unit prices (PRICES.md), and leaves ARM services alone.
func TestOnArmShowsTheGravitonFigure(t *testing.T) {
	est, err := EstimateGraph(fixture("ap-northeast-2", spotOnly(), "X86_64", 3, 5, false), Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 3 Spot tasks of 1 vCPU and 2 GB for 730 hours.
	x86 := 3 * (1*0.01422902 + 2*0.00156165) * 730
	arm := 3 * (1*0.0114 + 2*0.00125) * 730
	if len(est.OnArm) != 1 || est.OnArm[0].Resource != "urn:svc" {
		t.Fatalf("on ARM: %+v, want one line for the service", est.OnArm)
	}
	if o := est.OnArm[0]; math.Abs(o.Monthly-x86) > 1e-6 || math.Abs(o.MonthlyOnArm-arm) > 1e-6 {
		t.Errorf("on ARM: %.4f -> %.4f, want %.4f -> %.4f", o.Monthly, o.MonthlyOnArm, x86, arm)
	}
	est, err = EstimateGraph(fixture("ap-northeast-2", spotOnly(), "ARM64", 3, 5, false), Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(est.OnArm) != 0 {
		t.Errorf("an ARM service got an ARM alternative: %+v", est.OnArm)
	}
}

// A real export holds a load balancer's subnets twice, as subnets and as
// subnetMappings: each zone's address is priced once.
func TestAlbAddressesCountEachZoneOnce(t *testing.T) {
	subnets := []any{"subnet-a", "subnet-b", "subnet-c"}
	mappings := []any{map[string]any{"subnetId": "subnet-a"}, map[string]any{"subnetId": "subnet-b"}, map[string]any{"subnetId": "subnet-c"}}
	for _, c := range []struct {
		name    string
		outputs map[string]any
	}{
		{"as planned", map[string]any{"subnets": subnets}},
		{"as exported", map[string]any{"subnets": subnets, "subnetMappings": mappings}},
		{"as mapped", map[string]any{"subnetMappings": mappings}},
	} {
		exp := &graph.Export{Version: 3, Deployment: graph.Deployment{Resources: []graph.Resource{
			{URN: stackURN, Type: graph.RootStackType},
			{URN: "urn:pulumi:t::fargo::pulumi:providers:aws::default", Type: "pulumi:providers:aws", Custom: true, Inputs: map[string]any{"region": "us-east-1"}},
			{URN: "urn:alb", Type: "aws:lb/loadBalancer:LoadBalancer", Custom: true, Outputs: c.outputs},
		}}}
		est, err := EstimateGraph(exp, Assumptions{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range est.Items {
			if strings.HasPrefix(it.Description, "Public IPv4") {
				found = true
				// us-east-1 (PRICES.md): public IPv4 0.005/h, 730 hours, 3 zones.
				if it.Description != "Public IPv4 addresses of the ALB (3 zones)" || !near(it.Monthly, 10.95) {
					t.Errorf("%s: %q at %.4f a month, want 3 zones at 10.95", c.name, it.Description, it.Monthly)
				}
			}
		}
		if !found {
			t.Errorf("%s: the ALB's addresses are not priced", c.name)
		}
	}
}
