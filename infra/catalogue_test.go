package infra_test

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/internal/awstypes"
	"github.com/fargo-dev/fargo/internal/checks"
	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/internal/graph"
)

// catalogueVariants are the plans the catalogue is held to: the lock's (the
// shipped stacks and every NAT mode), a pull request's preview, and dev as a
// real export may show it with services on the cluster's default strategy.
func catalogueVariants(t *testing.T) map[string]*graph.Export {
	v := lockVariants(t)
	v["pr7"] = planFor(t, "pr7").exp
	v["dev-default-strategy"] = onDefaultStrategy(planFor(t, "dev").exp)
	return v
}

// priceKey is the prices.json key of a usage type.
func priceKey(region *cost.RegionPrices, usageType string) string {
	for key, p := range region.Prices {
		if p.UsageType == usageType {
			return key
		}
	}
	return usageType
}

// namesPrice says whether a catalogue Cost text names a price key among the
// keys it lists in parentheses: exactly, or by a prefix ("fargate*",
// "instanceHour:<type>").
func namesPrice(text, key string) bool {
	for _, m := range regexp.MustCompile(`\(([^)]*)\)`).FindAllStringSubmatch(text, -1) {
		for _, named := range strings.Split(m[1], ", ") {
			head, _, wild := strings.Cut(strings.TrimSuffix(named, "*"), "<")
			if named == key || ((wild || strings.HasSuffix(named, "*")) && strings.HasPrefix(key, head)) {
				return true
			}
		}
	}
	return false
}

// onDefaultStrategy is a copy of a plan whose services name no capacity
// provider strategy, so ECS gives them the cluster's default.
func onDefaultStrategy(exp *graph.Export) *graph.Export {
	out := *exp
	out.Deployment.Resources = slices.Clone(exp.Deployment.Resources)
	for i, r := range out.Deployment.Resources {
		if r.Type == awstypes.ECSService {
			out.Deployment.Resources[i].Inputs = maps.Clone(r.Inputs)
			out.Deployment.Resources[i].Outputs = maps.Clone(r.Outputs)
			delete(out.Deployment.Resources[i].Inputs, "capacityProviderStrategies")
			delete(out.Deployment.Resources[i].Outputs, "capacityProviderStrategies")
		}
	}
	return &out
}

func TestCatalogueNamesTheChecksThatReadEachType(t *testing.T) {
	got := map[string]map[string]bool{}
	for _, exp := range catalogueVariants(t) {
		for _, c := range checks.Controls {
			traced := *exp // the cached plan is shared: trace a copy
			traced.OnRead = func(typ string) {
				if strings.HasPrefix(typ, "aws:") {
					if got[typ] == nil {
						got[typ] = map[string]bool{}
					}
					got[typ][c.ID] = true
				}
			}
			c.Evaluate(&traced)
		}
	}
	for _, typ := range awstypes.Types {
		want := slices.Sorted(slices.Values(typ.Checks))
		if have := slices.Sorted(maps.Keys(got[typ.Token])); !slices.Equal(have, want) {
			t.Errorf("%s: the controls that read it are %v; the catalogue says %v", typ.Token, have, want)
		}
		delete(got, typ.Token)
	}
	for typ, ids := range got {
		t.Errorf("%v (read by %v)", &awstypes.MissingError{Token: typ}, slices.Sorted(maps.Keys(ids)))
	}
}

func TestCatalogueSaysWhatTheCostModelReads(t *testing.T) {
	book, err := cost.Prices()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for variant, exp := range catalogueVariants(t) {
		traced := *exp // the cached plan is shared: trace a copy
		traced.OnRead = func(typ string) {
			if strings.HasPrefix(typ, "aws:") {
				got[typ] = true
			}
		}
		est, err := cost.EstimateGraph(&traced, cost.Assumptions{})
		if err != nil {
			t.Fatalf("%s: %v", variant, err)
		}
		region, err := book.Region(exp.Region())
		if err != nil {
			t.Fatalf("%s: %v", variant, err)
		}
		for _, it := range est.Items {
			if typ, ok := awstypes.Lookup(it.Type); ok && !namesPrice(typ.Cost, priceKey(region, it.UsageType)) {
				t.Errorf("%s: the cost model prices %s by %s, which its catalogue Cost (%q) does not name", variant, it.Type, priceKey(region, it.UsageType), typ.Cost)
			}
		}
	}
	for _, typ := range awstypes.Types {
		switch {
		case got[typ.Token] && typ.Cost == "":
			t.Errorf("%s: the cost model reads it; the catalogue's Cost must say what for", typ.Token)
		case !got[typ.Token] && typ.Cost != "":
			t.Errorf("%s: the catalogue says the cost model reads it (%s), but it does not", typ.Token, typ.Cost)
		}
		delete(got, typ.Token)
	}
	for typ := range got {
		t.Errorf("the cost model reads %v", &awstypes.MissingError{Token: typ})
	}
}
