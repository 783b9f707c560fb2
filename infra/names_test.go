package infra_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/fargo-dev/fargo/plan/mocks"
)

// awsNames are AWS's naming rules per resource type and name field, from each
// service's API reference (CreateRepository, CreateTargetGroup, CreateRole, ...).
var awsNames = map[string]map[string]*regexp.Regexp{
	"aws:ecr/repository:Repository":         {"name": regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)},
	"aws:lb/targetGroup:TargetGroup":        {"name": regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)},
	"aws:lb/loadBalancer:LoadBalancer":      {"name": regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)},
	"aws:iam/role:Role":                     {"name": regexp.MustCompile(`^[\w+=,.@-]{1,64}$`), "path": regexp.MustCompile(`^/([\x21-\x7e]{0,510}/)?$`)},
	"aws:cloudwatch/logGroup:LogGroup":      {"name": regexp.MustCompile(`^[\w\-/.#]{1,512}$`)},
	"aws:dynamodb/table:Table":              {"name": regexp.MustCompile(`^[\w.-]{3,255}$`)},
	"aws:ssm/parameter:Parameter":           {"name": regexp.MustCompile(`^/[\w.\-/]{1,1000}$`)},
	"aws:ecs/taskDefinition:TaskDefinition": {"family": regexp.MustCompile(`^[\w-]{1,255}$`)},
	"aws:ecs/cluster:Cluster":               {"name": regexp.MustCompile(`^[\w-]{1,255}$`)},
	"aws:ecs/service:Service":               {"name": regexp.MustCompile(`^[\w-]{1,255}$`)},
	"aws:budgets/budget:Budget":             {"name": regexp.MustCompile(`^[^:\\]{1,100}$`)},
	"aws:ec2/securityGroup:SecurityGroup":   {"name": regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$`)},
}

// TestLongestNamesFitAWS plans a stack with the longest names the config allows
// (a 20-character stack, 16-character services, a 40-character table) and checks
// every name against AWS's rules. Auto-named resources get Pulumi's suffix of a
// dash and 7 characters.
func TestLongestNamesFitAWS(t *testing.T) {
	sc := loadConfig(t, "dev")
	sc.Stack = "abcdefghijklmnopqrst"
	longService := "abcdefghijklmnop"
	var services map[string]map[string]any
	if err := json.Unmarshal([]byte(sc.Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	services[longService] = map[string]any{"port": 3000, "paths": []any{"/long/*"}, "priority": 300}
	for _, svc := range services {
		delete(svc, "secrets") // they name dev's own parameters
	}
	b, _ := json.Marshal(services)
	sc.Values["fargo:services"] = string(b)
	var tables map[string]map[string]any
	if err := json.Unmarshal([]byte(sc.Values["fargo:tables"]), &tables); err != nil {
		t.Fatal(err)
	}
	tables[strings.Repeat("t", 40)] = map[string]any{"partitionKey": "id", "attributes": map[string]any{"id": "S"}, "services": map[string]any{longService: "read"}}
	b, _ = json.Marshal(tables)
	sc.Values["fargo:tables"] = string(b)
	delete(sc.Values, "fargo:github") // its subjects name the dev stack's branch
	p := runConfig(t, sc, mocks.Options{})

	checked := 0
	for typ, fields := range awsNames {
		for _, r := range p.exp.Resources(typ) {
			for field, rule := range fields {
				name := r.String(field)
				if name == "" && field == "name" {
					name = r.Name() + "-1234567"
				}
				if name == "" {
					continue
				}
				checked++
				if !rule.MatchString(name) {
					t.Errorf("%s %s: %s %q breaks AWS's rule %s", typ, r.Name(), field, name, rule)
				}
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d names checked", checked)
	}
}
