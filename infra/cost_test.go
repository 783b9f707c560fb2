package infra_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// handTotal works a stack's monthly cost out from its config and the price table,
// independently of the cost model: ALB hours and addresses, NAT gateways and their
// addresses, Fargate per task, task addresses, and a created hosted zone.
func handTotal(t *testing.T, cfg *config.Config, atMax bool) float64 {
	t.Helper()
	book, err := cost.Prices()
	if err != nil {
		t.Fatal(err)
	}
	p := book.Regions[cfg.Region].Prices
	price := func(k string) float64 {
		v, ok := p[k]
		if !ok {
			t.Fatalf("no price %s", k)
		}
		return v.Price
	}
	const h = 730.0
	zones := float64(cfg.Network.AvailabilityZones)
	total := price("albHour")*h + zones*price("publicIpv4Hour")*h
	nats := map[config.NatMode]float64{config.NatNone: 0, config.NatSingle: 1, config.NatPerAz: zones}[cfg.Network.Nat]
	total += nats * (price("natHour") + price("publicIpv4Hour")) * h
	cp := cfg.Cluster.Capacity
	if cp.OnDemandWeight != 0 {
		t.Fatalf("this hand sum assumes on-demand weight 0 (base + Spot), got %+v", cp)
	}
	for _, s := range cfg.Services {
		n := s.MinTasks
		if atMax {
			n = s.MaxTasks
		}
		od := min(cp.OnDemandBase, n)
		spot := n - od
		vcpu, gb := float64(s.Cpu)/1024, float64(s.Memory)/1024
		vKey, mKey, sv, sm := "fargateVcpuHour", "fargateGbHour", "spotVcpuHour", "spotGbHour"
		if s.Architecture == "ARM64" {
			vKey, mKey, sv, sm = "fargateArmVcpuHour", "fargateArmGbHour", "spotArmVcpuHour", "spotArmGbHour"
		}
		total += float64(od) * (vcpu*price(vKey) + gb*price(mKey)) * h
		total += float64(spot) * (vcpu*price(sv) + gb*price(sm)) * h
		if cfg.Network.Nat == config.NatNone {
			total += float64(n) * price("publicIpv4Hour") * h
		}
	}
	if cfg.Domain != nil && cfg.Domain.CreateZone {
		total += price("hostedZoneMonth")
	}
	if cfg.Alarms != nil {
		// Per service: the 5xx share reads 2 metrics, the failing targets 1.
		total += float64(len(cfg.Services)) * 3 * price("alarmMetricMonth")
	}
	return total
}

func TestStackCostMatchesHandSum(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			p := planFor(t, stack)
			est, err := cost.EstimateGraph(p.exp, cost.Assumptions{})
			if err != nil {
				t.Fatal(err)
			}
			if want := handTotal(t, p.cfg, false); math.Abs(est.TotalMonthly-want) > 1e-6 {
				t.Errorf("at min tasks: model %.4f, by hand %.4f", est.TotalMonthly, want)
			}
			if want := handTotal(t, p.cfg, true); math.Abs(est.TotalMonthlyAtMax-want) > 1e-6 {
				t.Errorf("at max tasks: model %.4f, by hand %.4f", est.TotalMonthlyAtMax, want)
			}
			if est.Currency != "USD" || est.Region != p.cfg.Region {
				t.Errorf("estimate %s in %s", est.Currency, est.Region)
			}
		})
	}
}

func TestDevHasNoHourlyExtras(t *testing.T) {
	p := planFor(t, "dev")
	est, err := cost.EstimateGraph(p.exp, cost.Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"aws:lb/loadBalancer:LoadBalancer": true, // the one entry point
		"aws:ecs/service:Service":          true, // the apps themselves
		"pulumi:pulumi:Stack":              true, // usage assumptions, zero here
	}
	for _, it := range est.Items {
		if it.Monthly > 0 && !allowed[it.Type] {
			t.Errorf("dev pays %.2f/month for %s (%s)", it.Monthly, it.Description, it.URN)
		}
	}
	for _, typ := range []string{"aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:route53/zone:Zone"} {
		if n := len(p.exp.Resources(typ)); n > 0 {
			t.Errorf("dev has %d %s", n, typ)
		}
	}
}

func TestNatSwitchCostsExactlyTheGatewaysAndAddresses(t *testing.T) {
	book, _ := cost.Prices()
	totals := map[config.NatMode]float64{}
	var cfg *config.Config
	for _, nat := range []config.NatMode{config.NatNone, config.NatSingle, config.NatPerAz} {
		sc := devWith(t, "fargo:network", fmt.Sprintf(`{"nat":%q,"availabilityZones":3}`, nat))
		p := runConfig(t, sc, mocks.Options{})
		est, err := cost.EstimateGraph(p.exp, cost.Assumptions{})
		if err != nil {
			t.Fatal(err)
		}
		totals[nat] = est.TotalMonthly
		cfg = p.cfg
	}
	prices := book.Regions[cfg.Region].Prices
	perNat := (prices["natHour"].Price + prices["publicIpv4Hour"].Price) * 730
	tasks := 0
	for _, s := range cfg.Services {
		tasks += s.MinTasks
	}
	// Going private adds one gateway with its address and drops every task's public address.
	taskAddresses := float64(tasks) * prices["publicIpv4Hour"].Price * 730
	if got, want := totals[config.NatSingle]-totals[config.NatNone], perNat-taskAddresses; math.Abs(got-want) > 1e-6 {
		t.Errorf("none -> single: %+.4f, want %+.4f", got, want)
	}
	if got, want := totals[config.NatPerAz]-totals[config.NatSingle], 2*perNat; math.Abs(got-want) > 1e-6 {
		t.Errorf("single -> perAz over 3 zones: %+.4f, want %+.4f", got, want)
	}
}
