package infra_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/infra"
	"github.com/fargo-dev/fargo/internal/checks"
	"github.com/fargo-dev/fargo/plan"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// devWith returns the dev stack's config with one key replaced (or removed when value is "").
func devWith(t *testing.T, key, value string) *plan.StackConfig {
	t.Helper()
	return stackWith(t, "dev", key, value)
}

// stackWith returns a stack file's config with one key replaced (or removed
// when value is "").
func stackWith(t *testing.T, stack, key, value string) *plan.StackConfig {
	t.Helper()
	sc := loadConfig(t, stack)
	if value == "" {
		delete(sc.Values, key)
	} else {
		sc.Values[key] = value
	}
	return sc
}

// servicesWith returns dev's services JSON with one service's field set.
func servicesWith(t *testing.T, service, field string, value any) string {
	t.Helper()
	sc := loadConfig(t, "dev")
	var services map[string]map[string]any
	if err := json.Unmarshal([]byte(sc.Values["fargo:services"]), &services); err != nil {
		t.Fatal(err)
	}
	if services[service] == nil {
		services[service] = map[string]any{}
	}
	if value == nil {
		delete(services[service], field)
	} else {
		services[service][field] = value
	}
	b, _ := json.Marshal(services)
	return string(b)
}

// githubWithApps returns a fargo:github value trusting n app repositories.
func githubWithApps(n int) string {
	apps := make([]string, n)
	for i := range apps {
		apps[i] = fmt.Sprintf("example-org/application-%02d", i+1)
	}
	b, _ := json.Marshal(map[string]any{"repository": "example-org/fargo", "appRepositories": apps})
	return string(b)
}

func TestBadConfigIsRefusedClearly(t *testing.T) {
	cases := []struct {
		name, key, value string
		want             []string // substrings of the one error
	}{
		{"no region", "aws:region", "", []string{"aws:region", "not set"}},
		{"bad region", "aws:region", "seoul", []string{"aws:region", `"seoul"`}},
		{"network not an object", "fargo:network", `"none"`, []string{"fargo:network", "expected a map"}},
		{"network typo", "fargo:network", `{"nta":"none"}`, []string{"fargo:network", `unknown key "nta"`, "cidr, availabilityZones, nat"}},
		{"key in wrong case", "fargo:network", `{"NAT":"none"}`, []string{"fargo:network", `unknown key "NAT"`}},
		{"nested typo", "fargo:cluster", `{"capacity":{"spot":1}}`, []string{"fargo:cluster.capacity", `unknown key "spot"`, "onDemandBase"}},
		{"nat unknown", "fargo:network", `{"nat":"double"}`, []string{"fargo:network.nat", `"double"`, "none", "single", "perAz"}},
		{"nat wrong type", "fargo:network", `{"nat":true}`, []string{"fargo:network.nat", "boolean", "string"}},
		{"one zone", "fargo:network", `{"availabilityZones":1}`, []string{"fargo:network.availabilityZones", "1", "2 to 6"}},
		{"zero zones", "fargo:network", `{"availabilityZones":0}`, []string{"fargo:network.availabilityZones", "0"}},
		{"zones as text", "fargo:network", `{"availabilityZones":"two"}`, []string{"fargo:network.availabilityZones", "string", "whole number"}},
		{"bad cidr", "fargo:network", `{"cidr":"10.0.0.0"}`, []string{"fargo:network.cidr", "10.0.0.0", "IPv4 CIDR"}},
		{"cidr host bits", "fargo:network", `{"cidr":"10.0.0.1/16"}`, []string{"fargo:network.cidr", "10.0.0.0/16"}},
		{"cidr too big", "fargo:network", `{"cidr":"10.0.0.0/8"}`, []string{"fargo:network.cidr", "/16 to /20"}},
		{"cidr public", "fargo:network", `{"cidr":"8.8.0.0/16"}`, []string{"fargo:network.cidr", "private"}},
		{"no services", "fargo:services", "", []string{"fargo:services", "not set"}},
		{"empty services", "fargo:services", `{}`, []string{"fargo:services", "empty"}},
		{"services not a map", "fargo:services", `["frontend"]`, []string{"fargo:services", "map"}},
		{"service name", "fargo:services", `{"Front_End":{}}`, []string{"fargo:services.Front_End", "lowercase"}},
		{"service name too long", "fargo:services", `{"averyveryverylongname":{}}`, []string{"fargo:services.averyveryverylongname", "16"}},
		{"service null", "fargo:services", `{"web":null}`, []string{"fargo:services.web", "no settings"}},
		{"service typo", "fargo:services", `{"web":{"prot":80}}`, []string{"fargo:services.web", `unknown key "prot"`, "port"}},
		{"bad cpu", "fargo:services", `{"web":{"cpu":300}}`, []string{"fargo:services.web.cpu", "300", "256, 512"}},
		{"bad pair", "fargo:services", `{"web":{"cpu":256,"memory":4096}}`, []string{"fargo:services.web.memory", "4096", "cpu 256", "512, 1024, 2048"}},
		{"bad pair big", "fargo:services", `{"web":{"cpu":1024,"memory":1024}}`, []string{"fargo:services.web.memory", "2048 to 8192"}},
		{"port zero", "fargo:services", `{"web":{"port":0}}`, []string{"fargo:services.web.port", "0", "1 to 65535"}},
		{"port high", "fargo:services", `{"web":{"port":70000}}`, []string{"fargo:services.web.port", "70000"}},
		{"port negative", "fargo:services", `{"web":{"port":-1}}`, []string{"fargo:services.web.port", "-1"}},
		{"port fraction", "fargo:services", `{"web":{"port":80.5}}`, []string{"fargo:services.web.port", "80.5"}},
		{"path without slash", "fargo:services", servicesWith(t, "backend", "paths", []string{"api/*"}), []string{"fargo:services.backend.paths[0]", `"api/*"`, "start with /"}},
		{"health path", "fargo:services", servicesWith(t, "frontend", "healthCheckPath", "health"), []string{"fargo:services.frontend.healthCheckPath", `"health"`}},
		{"health wildcard", "fargo:services", servicesWith(t, "frontend", "healthCheckPath", "/h*"), []string{"fargo:services.frontend.healthCheckPath", "wildcards"}},
		{"two defaults", "fargo:services", `{"api":{},"web":{}}`, []string{"fargo:services", "api, web", "exactly one"}},
		{"no default", "fargo:services", `{"api":{"paths":["/x/*"],"priority":1}}`, []string{"fargo:services", "default route"}},
		{"duplicate path", "fargo:services", `{"web":{},"api":{"paths":["/api/*"],"priority":1},"v2":{"paths":["/api/*"],"priority":2}}`, []string{"fargo:services.v2.paths", "/api/*", "already routed to api"}},
		{"duplicate priority", "fargo:services", `{"web":{},"api":{"paths":["/api/*"],"priority":1},"v2":{"paths":["/v2/*"],"priority":1}}`, []string{"fargo:services.v2.priority", "already used by api"}},
		{"priority on default", "fargo:services", `{"web":{"priority":3}}`, []string{"fargo:services.web.priority", "no paths"}},
		{"no priority", "fargo:services", servicesWith(t, "backend", "priority", nil), []string{"fargo:services.backend.priority", "1 to 50000"}},
		{"min above max", "fargo:services", servicesWith(t, "frontend", "minTasks", 5), []string{"fargo:services.frontend.maxTasks", "4", "minTasks (5)"}},
		{"zero tasks", "fargo:services", servicesWith(t, "frontend", "minTasks", 0), []string{"fargo:services.frontend.minTasks", "0"}},
		{"negative max", "fargo:services", servicesWith(t, "frontend", "maxTasks", -2), []string{"fargo:services.frontend.maxTasks", "-2"}},
		{"secret env", "fargo:services", servicesWith(t, "backend", "environment", map[string]string{"MASTER_KEY": "x"}), []string{"fargo:services.backend.environment.MASTER_KEY", "secret"}},
		{"aws key env", "fargo:services", servicesWith(t, "backend", "environment", map[string]string{"AWS_ACCESS_KEY_ID": "x"}), []string{"AWS_ACCESS_KEY_ID", "secret"}},
		{"prod secret in dev", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "/fargo/prod/master-key"}), []string{"fargo:services.backend.secrets.MASTER_KEY", "/fargo/prod/master-key", "stack prod's secret", "/fargo/dev/"}},
		{"prod secret ARN in dev", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": "arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/prod/master-key"}), []string{"MASTER_KEY", "stack prod's secret"}},
		{"prod secretsmanager in dev", "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"DB": "secretsmanager:fargo/prod/db"}), []string{"secrets.DB", "stack prod's secret"}},
		{"env name", "fargo:services", servicesWith(t, "backend", "environment", map[string]string{"1BAD": "x"}), []string{"environment.1BAD", "not a valid"}},
		{"root user", "fargo:services", servicesWith(t, "backend", "user", "0"), []string{"fargo:services.backend.user", "root"}},
		{"arch", "fargo:services", servicesWith(t, "backend", "architecture", "arm"), []string{"fargo:services.backend.architecture", "X86_64 or ARM64"}},
		{"scaling target", "fargo:services", servicesWith(t, "backend", "targetCpuPercent", 100), []string{"fargo:services.backend.targetCpuPercent", "10 to 95"}},
		{"image and build", "fargo:services", servicesWith(t, "backend", "build", map[string]string{"context": "./backend"}) /* plus image below */, nil},
		{"registry days", "fargo:registry", `{"untaggedExpiryDays":0}`, []string{"fargo:registry.untaggedExpiryDays", "0"}},
		{"registry typo", "fargo:registry", `{"keep":3}`, []string{"fargo:registry", `unknown key "keep"`}},
		{"retention", "fargo:cluster", `{"logRetentionDays":10}`, []string{"fargo:cluster.logRetentionDays", "10", "14"}},
		{"retention forever", "fargo:cluster", `{"logRetentionDays":0}`, []string{"fargo:cluster.logRetentionDays", "0"}},
		{"no weights", "fargo:cluster", `{"capacity":{"spotWeight":0}}`, []string{"fargo:cluster.capacity", "both 0"}},
		{"negative base", "fargo:cluster", `{"capacity":{"onDemandBase":-1}}`, []string{"fargo:cluster.capacity.onDemandBase", "-1"}},
		{"protection", "fargo:deletionProtection", "maybe", []string{"fargo:deletionProtection", `"maybe"`, "true or false"}},
		{"domain zone", "fargo:domain", `{"zone":"example_com"}`, []string{"fargo:domain.zone", "example_com"}},
		{"domain no dot", "fargo:domain", `{"zone":"localhost"}`, []string{"fargo:domain.zone", "localhost"}},
		{"domain host", "fargo:domain", `{"zone":"example.com","host":"a.b"}`, []string{"fargo:domain.host", "a.b", "single DNS label"}},
		{"domain host chars", "fargo:domain", `{"zone":"example.com","host":"-www"}`, []string{"fargo:domain.host", "-www"}},
		{"domain upper", "fargo:domain", `{"zone":"Example.com"}`, []string{"fargo:domain.zone", "Example.com"}},
		{"domain typo", "fargo:domain", `{"zone":"example.com","hots":"www"}`, []string{"fargo:domain", `unknown key "hots"`}},
		{"budget amount", "fargo:budget", `{"monthlyLimit":0,"emails":["a@example.com"]}`, []string{"fargo:budget.monthlyLimit", "0"}},
		{"budget email", "fargo:budget", `{"monthlyLimit":10,"emails":["not-an-address"]}`, []string{"fargo:budget.emails[0]", "not-an-address"}},
		{"budget no email", "fargo:budget", `{"monthlyLimit":10,"emails":[]}`, []string{"fargo:budget.emails", "0 addresses"}},
		{"budget duplicate email", "fargo:budget", `{"monthlyLimit":10,"emails":["a@example.com","a@example.com"]}`, []string{"fargo:budget.emails[1]", "once"}},
		{"budget fraction of a cent", "fargo:budget", `{"monthlyLimit":10.005,"emails":["a@example.com"]}`, []string{"fargo:budget.monthlyLimit", "10.005", "more than 2 decimals"}},
		{"budget rounds to nothing", "fargo:budget", `{"monthlyLimit":0.004,"emails":["a@example.com"]}`, []string{"fargo:budget.monthlyLimit", "0.004", "more than 2 decimals", "e.g. 0.01"}},
		{"budget too big", "fargo:budget", `{"monthlyLimit":2000000,"emails":["a@example.com"]}`, []string{"fargo:budget.monthlyLimit", "at most 1000000"}},
		{"domain longer than a certificate name", "fargo:domain", `{"zone":"example.com","host":"` + strings.Repeat("a", 53) + `"}`, []string{"fargo:domain", "65 characters", "common name", "64"}},
		{"github duplicate app repository", "fargo:github", `{"repository":"example-org/fargo","appRepositories":["example-org/board","Example-Org/Board"]}`, []string{"fargo:github.appRepositories[1]", `"Example-Org/Board"`, "appRepositories[0]"}},
		{"github trust policy too long", "fargo:github", githubWithApps(40), []string{"fargo:github.appRepositories", "40 repositories", "trust policy", "2048"}},
		{"path listed twice", "fargo:services", servicesWith(t, "backend", "paths", []string{"/api/*", "/api/*"}), []string{"fargo:services.backend.paths", `"/api/*" is listed twice`}},
		{"task definition too large", "fargo:services", servicesWith(t, "backend", "environment", map[string]string{"BIG_BLOB": strings.Repeat("x", 64<<10)}), []string{"fargo:services.backend", "task definition", "65536"}},
		{"schedule bad cron", "fargo:schedule", `{"sleep":"cron(0 25 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)"}`, []string{"fargo:schedule.sleep", `hours field has "25"`, "0-23"}},
		{"schedule five fields", "fargo:schedule", `{"sleep":"cron(0 22 * * MON-FRI)","wake":"cron(0 8 ? * MON-FRI *)"}`, []string{"fargo:schedule.sleep", "has 5 fields", "6"}},
		{"schedule not cron", "fargo:schedule", `{"sleep":"22:00","wake":"cron(0 8 ? * MON-FRI *)"}`, []string{"fargo:schedule.sleep", `"22:00"`, "cron(0 22 ? * MON-FRI *)"}},
		{"schedule both day fields", "fargo:schedule", `{"sleep":"cron(0 22 * * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)"}`, []string{"fargo:schedule.sleep", "exactly one of them to be ?"}},
		{"schedule no wake", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)"}`, []string{"fargo:schedule.wake", "is not set"}},
		{"schedule bad zone", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"Seoul"}`, []string{"fargo:schedule.timezone", `"Seoul"`, "Asia/Seoul"}},
		{"schedule unknown zone", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"Asia/Atlantis"}`, []string{"fargo:schedule.timezone", `"Asia/Atlantis"`}},
		{"schedule same times", "fargo:schedule", `{"sleep":"cron(0 8 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)"}`, []string{"fargo:schedule", "both fire at", "different moments"}},
		{"schedule same moments by name and number", "fargo:schedule", `{"sleep":"cron(0 8 ? * MON-FRI *)","wake":"cron(0 8 ? * 2-6 *)"}`, []string{"fargo:schedule: sleep cron(0 8 ? * MON-FRI *) and wake cron(0 8 ? * 2-6 *) both fire at", "UTC"}},
		{"schedule same moments by ? and *", "fargo:schedule", `{"sleep":"cron(0 22 * * ? *)","wake":"cron(0 22 ? * * *)","timezone":"Asia/Seoul"}`, []string{"fargo:schedule", "both fire at", "22:00 (Asia/Seoul)"}},
		{"schedule shares some moments", "fargo:schedule", `{"sleep":"cron(0 8 ? * SAT *)","wake":"cron(0 8 * * ? *)"}`, []string{"fargo:schedule", "both fire at", "08:00", "no order for two actions"}},
		{"schedule year past", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI 2020)","wake":"cron(0 8 ? * MON-FRI *)"}`, []string{"fargo:schedule.sleep", `"cron(0 22 ? * MON-FRI 2020)" never fires after`, "every year it names is past"}},
		{"schedule no such day", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 30 FEB ? *)"}`, []string{"fargo:schedule.wake", "never fires after", "no day matches it"}},
		{"schedule leap day in common years", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 29 2 ? 2027-2031/4)"}`, []string{"fargo:schedule.wake", "never fires", "no day matches it"}},
		{"schedule link zone", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"Asia/Calcutta"}`, []string{"fargo:schedule.timezone", `"Asia/Calcutta"`, "link to Asia/Kolkata", "use Asia/Kolkata"}},
		{"schedule link zone US", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"US/Pacific"}`, []string{"fargo:schedule.timezone", `"US/Pacific"`, "use America/Los_Angeles"}},
		{"schedule link zone Saigon", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"Asia/Saigon"}`, []string{"fargo:schedule.timezone", "use Asia/Ho_Chi_Minh"}},
		{"schedule link zone without a region", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"Japan"}`, []string{"fargo:schedule.timezone", `"Japan"`, "use Asia/Tokyo"}},
		{"schedule alwaysOn for the stack", "fargo:schedule", `{"alwaysOn":true}`, []string{"fargo:schedule.alwaysOn", "leave fargo:schedule unset"}},
		{"schedule typo", "fargo:schedule", `{"slep":"cron(0 22 ? * MON-FRI *)"}`, []string{"fargo:schedule", `unknown key "slep"`, "sleep, wake, timezone"}},
		{"service schedule bad zone", "fargo:services", servicesWith(t, "backend", "schedule", map[string]any{"timezone": "Mars/Olympus"}), []string{"fargo:services.backend.schedule.timezone", `"Mars/Olympus"`}},
		{"service alwaysOn with times", "fargo:services", servicesWith(t, "backend", "schedule", map[string]any{"alwaysOn": true, "wake": "cron(0 7 ? * MON-FRI *)"}), []string{"fargo:services.backend.schedule", "alwaysOn with sleep, wake or timezone"}},
		{"alarms no email", "fargo:alarms", `{"emails":[]}`, []string{"fargo:alarms.emails", "0 addresses"}},
		{"alarms bad email", "fargo:alarms", `{"emails":["ops@example"]}`, []string{"fargo:alarms.emails[0]", `"ops@example"`, "ops@example.com"}},
		{"alarms rate", "fargo:alarms", `{"emails":["ops@example.com"],"errorRatePercent":0}`, []string{"fargo:alarms.errorRatePercent", "0", "above 0"}},
		{"alarms rate never exceeded", "fargo:alarms", `{"emails":["ops@example.com"],"errorRatePercent":100}`, []string{"fargo:alarms.errorRatePercent", "100 is not allowed", "below 100"}},
		{"alarms unhealthy above every maxTasks", "fargo:alarms", `{"emails":["ops@example.com"],"unhealthyTasks":5}`, []string{"fargo:alarms.unhealthyTasks", "5 can never be reached", "backend (maxTasks 4), frontend (maxTasks 4)", "use 1 to 4"}},
		{"alarms duplicate email", "fargo:alarms", `{"emails":["ops@example.com","Ops@example.com"]}`, []string{"fargo:alarms.emails[1]", `"Ops@example.com"`, "fargo:alarms.emails[0]", "once"}},
		{"alarms unhealthy", "fargo:alarms", `{"emails":["ops@example.com"],"unhealthyTasks":0}`, []string{"fargo:alarms.unhealthyTasks", "1 to 1000"}},
		{"alarms minutes", "fargo:alarms", `{"emails":["ops@example.com"],"evaluationMinutes":2000}`, []string{"fargo:alarms.evaluationMinutes", "2000", "1 to 1440"}},
		{"alarms typo", "fargo:alarms", `{"email":["ops@example.com"]}`, []string{"fargo:alarms", `unknown key "email"`, "emails"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := devWith(t, c.key, c.value)
			if c.want == nil {
				// image and build together
				var services map[string]map[string]any
				_ = json.Unmarshal([]byte(sc.Values["fargo:services"]), &services)
				services["backend"]["image"] = "nginx:1.27"
				b, _ := json.Marshal(services)
				sc.Values["fargo:services"] = string(b)
				c.want = []string{"fargo:services.backend", "both image and build"}
			}
			_, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
			if err == nil {
				t.Fatalf("%s=%s accepted", c.key, c.value)
			}
			problems := config.ConfigErrors(err)
			lines := strings.Split(err.Error(), "\n")
			if len(problems) == 0 || len(problems) != len(lines) {
				t.Fatalf("error %q is not one ConfigError per line (%d errors, %d lines)", err, len(problems), len(lines))
			}
			found := false
			for _, line := range lines {
				if strings.Contains(line, "goroutine") {
					t.Errorf("error line %q holds a stack trace", line)
				}
				all := true
				for _, w := range c.want {
					all = all && strings.Contains(line, w)
				}
				found = found || all
			}
			if !found {
				t.Errorf("no line of %q holds all of %q", err, c.want)
			}
		})
	}
}

// TestGoodConfigAtTheEdgesIsAccepted holds the values next to each refused one
// above that AWS does take, so that no check refuses more than AWS would.
func TestGoodConfigAtTheEdgesIsAccepted(t *testing.T) {
	weekdays := `"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)"`
	cases := []struct{ name, key, value string }{
		{"alarms rate just below 100", "fargo:alarms", `{"emails":["ops@example.com"],"errorRatePercent":99.9}`},
		{"alarms unhealthy at the fewest maxTasks", "fargo:alarms", `{"emails":["ops@example.com"],"unhealthyTasks":4}`},
		{"alarms distinct emails", "fargo:alarms", `{"emails":["ops@example.com","dev@example.com"]}`},
		{"alarms a day of minutes", "fargo:alarms", `{"emails":["ops@example.com"],"evaluationMinutes":1440}`},
		{"budget in cents", "fargo:budget", `{"monthlyLimit":10.25,"emails":["a@example.com"]}`},
		{"budget a cent", "fargo:budget", `{"monthlyLimit":0.01,"emails":["a@example.com"]}`},
		{"budget at most", "fargo:budget", `{"monthlyLimit":1000000,"emails":["a@example.com","b@example.com"]}`},
		{"domain as long as a certificate name", "fargo:domain", `{"zone":"example.com","host":"` + strings.Repeat("a", 52) + `"}`},
		{"schedule in UTC", "fargo:schedule", `{` + weekdays + `,"timezone":"UTC"}`},
		{"schedule in Etc/UTC", "fargo:schedule", `{` + weekdays + `,"timezone":"Etc/UTC"}`},
		{"schedule in a canonical zone", "fargo:schedule", `{` + weekdays + `,"timezone":"Asia/Kolkata"}`},
		{"schedule in a country's own zone name", "fargo:schedule", `{` + weekdays + `,"timezone":"Europe/Bratislava"}`},
		{"schedule in a zone tzdata merged", "fargo:schedule", `{` + weekdays + `,"timezone":"Europe/Amsterdam"}`},
		{"schedule same hour on other days", "fargo:schedule", `{"sleep":"cron(0 8 ? * SAT *)","wake":"cron(0 8 ? * MON *)"}`},
		{"schedule years partly past", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI 2020-2199)","wake":"cron(0 8 ? * MON-FRI *)"}`},
		{"schedule on leap days", "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI *)","wake":"cron(0 8 29 FEB ? *)"}`},
		{"github distinct app repositories", "fargo:github", `{"repository":"example-org/fargo","appRepositories":["example-org/board","example-org/fargo"]}`},
		{"github many app repositories", "fargo:github", githubWithApps(20)},
		{"paths distinct", "fargo:services", servicesWith(t, "backend", "paths", []string{"/api/*", "/v2/*"})},
		{"large environment", "fargo:services", servicesWith(t, "backend", "environment", map[string]string{"BIG_BLOB": strings.Repeat("x", 56<<10)})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := devWith(t, c.key, c.value)
			if _, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get); err != nil {
				t.Errorf("%s=%s refused: %v", c.key, c.value, err)
			}
		})
	}
}

// TestAlarmsConfigNamesTheServiceThatCannotReachIt: one service with fewer
// tasks than unhealthyTasks is enough to refuse it, and only that one is named.
func TestAlarmsConfigNamesTheServiceThatCannotReachIt(t *testing.T) {
	sc := devWith(t, "fargo:services", servicesWith(t, "frontend", "maxTasks", 1))
	sc.Values["fargo:alarms"] = `{"emails":["ops@example.com"],"unhealthyTasks":2}`
	_, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
	want := "fargo:alarms.unhealthyTasks: 2 can never be reached by the unhealthy alarm of frontend (maxTasks 1): a rollout fails at most maxTasks targets; use 1 to 1, or raise maxTasks"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestScheduleConfigIsJudgedAtPlanTime: a schedule whose years run out is
// accepted before its last firing and refused after it.
func TestScheduleConfigIsJudgedAtPlanTime(t *testing.T) {
	sc := devWith(t, "fargo:schedule", `{"sleep":"cron(0 22 ? * MON-FRI 2026-2027)","wake":"cron(0 8 ? * MON-FRI 2026-2027)","timezone":"Asia/Seoul"}`)
	if _, err := config.ParseConfigAt(sc.Project, sc.Stack, sc.Get, daytime); err != nil {
		t.Errorf("refused at %v: %v", daytime, err)
	}
	later := time.Date(2028, 1, 3, 0, 0, 0, 0, time.UTC)
	_, err := config.ParseConfigAt(sc.Project, sc.Stack, sc.Get, later)
	for _, want := range []string{"fargo:schedule.sleep: \"cron(0 22 ? * MON-FRI 2026-2027)\" never fires after 2028-01-03 09:00 KST", "fargo:schedule.wake:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("at %v got %v, want %q", later, err, want)
		}
	}
}

// TestGithubTrustPolicyConfigLimit keeps the plan's count in step with the trust
// policy the rollout role really gets: the plan refuses exactly the lists whose
// policy IAM's default limit refuses.
func TestGithubTrustPolicyConfigLimit(t *testing.T) {
	providerArn := "arn:aws:iam::123456789012:oidc-provider/" + infra.GithubOidcHost
	for n := 1; ; n++ {
		sc := devWith(t, "fargo:github", githubWithApps(n))
		var g config.GithubConfig
		_ = json.Unmarshal([]byte(sc.Values["fargo:github"]), &g)
		g.Branch = "main"
		policy, err := infra.GithubTrustPolicy(providerArn, g.RolloutSubjects())
		if err != nil {
			t.Fatal(err)
		}
		_, err = config.ParseConfig(sc.Project, sc.Stack, sc.Get)
		fits := len(policy) <= config.MaxTrustPolicyLength
		if refused := err != nil && strings.Contains(err.Error(), "trust policy"); refused == fits {
			t.Fatalf("%d app repositories, a %d-character policy: refused %v (%v)", n, len(policy), refused, err)
		}
		if !fits {
			return
		}
	}
}

// TestTaskDefinitionSizeConfigLimit checks the plan's size estimate against the
// task definition the program registers: a service accepted near the limit
// registers one ECS takes.
func TestTaskDefinitionSizeConfigLimit(t *testing.T) {
	env := map[string]string{"BIG_BLOB": strings.Repeat("x", 56<<10), "QUOTED": strings.Repeat(`"<&>`, 256)}
	sc := devWith(t, "fargo:services", servicesWith(t, "backend", "environment", env))
	td := one(t, runConfig(t, sc, mocks.Options{}).exp, "aws:ecs/taskDefinition:TaskDefinition", "app-backend")
	// The container definitions are a JSON document of their own; the rest, but
	// the tags ECS keeps apart, is counted as JSON around it.
	rest := map[string]any{}
	for k, v := range td.Inputs {
		if k != "containerDefinitions" && k != "tags" && k != "tagsAll" {
			rest[k] = v
		}
	}
	b, _ := json.Marshal(rest)
	if size := len(td.String("containerDefinitions")) + len(b); size > config.MaxTaskDefinitionBytes {
		t.Errorf("an accepted service registers a task definition of %d bytes; ECS takes %d", size, config.MaxTaskDefinitionBytes)
	}
}

// TestUnnamespacedStackKeyIsTheProjects covers a stack file key without its
// namespace, which the Pulumi CLI (v3.274) reads as the project's, as
// workspace's stackConfigNamespacedWithProject does: the plan must too, so
// network is fargo:network, and region, fargo:region, is refused pointing at
// aws:region. It must also read <namespace>:config:<name> as the CLI does.
func TestUnnamespacedStackKeyIsTheProjects(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../Pulumi.yaml", dir+"/Pulumi.yaml")
	writeFile(t, dir+"/Pulumi.bare.yaml", "config:\n  aws:region: ap-northeast-2\n  network:\n    nat: single\n  region: ap-northeast-2\n  fargo:config:deletionProtection: true\n")
	sc, err := plan.LoadStack(dir, "bare")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sc.Get("fargo:network"); v != `{"nat":"single"}` {
		t.Errorf("network read as fargo:network %q, want {\"nat\":\"single\"}", v)
	}
	if sc.Line("fargo:network.nat") != 4 {
		t.Errorf("fargo:network.nat is on line %d, want 4", sc.Line("fargo:network.nat"))
	}
	if v, _ := sc.Get("fargo:deletionProtection"); v != "true" {
		t.Errorf("fargo:config:deletionProtection read as %q, want fargo:deletionProtection true", v)
	}
	_, err = plan.Run(sc, mocks.Options{})
	const want = "fargo:region: unknown key (did you mean aws:region?)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
	if err != nil && strings.Contains(err.Error(), "fargo:network: ") {
		t.Errorf("fargo:network, written without its namespace, was refused: %v", err)
	}
}

func TestBadConfigRegistersNothing(t *testing.T) {
	sc := devWith(t, "fargo:network", `{"nat":"double"}`)
	res, err := plan.Run(sc, mocks.Options{})
	if err == nil || res != nil {
		t.Fatalf("plan accepted bad config: %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "fargo:network.nat: ") {
		t.Errorf("error %q is not the config error alone", msg)
	}
}

func TestTooFewZonesInRegion(t *testing.T) {
	sc := devWith(t, "fargo:network", `{"availabilityZones":3}`)
	_, err := plan.Run(sc, mocks.Options{ZoneCount: 2})
	if err == nil || !strings.Contains(err.Error(), "fargo:network.availabilityZones: 3 zones requested but the region has only 2") {
		t.Errorf("got %v", err)
	}
}

func TestUnknownStackKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../Pulumi.yaml", dir+"/Pulumi.yaml")
	writeFile(t, dir+"/Pulumi.typo.yaml", "config:\n  aws:region: ap-northeast-2\n  fargo:servics: {}\n")
	sc, err := plan.LoadStack(dir, "typo")
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Run(sc, mocks.Options{})
	if err == nil || !strings.Contains(err.Error(), "fargo:servics: unknown key") || !strings.Contains(err.Error(), "fargo:services") {
		t.Errorf("got %v", err)
	}
}

// TestPulumiYamlMatchesCode keeps Pulumi.yaml's declarations and defaults in step
// with the keys and defaults the code applies.
func TestPulumiYamlMatchesCode(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../Pulumi.yaml", dir+"/Pulumi.yaml")
	writeFile(t, dir+"/Pulumi.empty.yaml", "config:\n  aws:region: ap-northeast-2\n")
	sc, err := plan.LoadStack(dir, "empty")
	if err != nil {
		t.Fatal(err)
	}
	fromYaml, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
	if err != nil {
		t.Fatalf("Pulumi.yaml defaults are not valid config: %v", err)
	}
	codeOnly := map[string]string{"aws:region": "ap-northeast-2", "fargo:services": sc.Values["fargo:services"]}
	fromCode, err := config.ParseConfig(sc.Project, sc.Stack, func(k string) (string, bool) { v, ok := codeOnly[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYaml.Network, fromCode.Network) || !reflect.DeepEqual(fromYaml.Registry, fromCode.Registry) ||
		fromYaml.Cluster.LogRetentionDays != fromCode.Cluster.LogRetentionDays || fromYaml.DeletionProtection != fromCode.DeletionProtection {
		t.Errorf("Pulumi.yaml defaults differ from the code's:\n yaml %+v\n code %+v", fromYaml, fromCode)
	}
	declared := loadDeclaredKeys(t)
	for _, k := range config.ConfigKeys {
		if !declared[k] {
			t.Errorf("Pulumi.yaml does not declare %s", k)
		}
		delete(declared, k)
	}
	for k := range declared {
		t.Errorf("Pulumi.yaml declares %s, which the program does not read", k)
	}
}

// TestCLIKeysAreChecked covers `pulumi up`, where the CLI hands the program every
// key in PULUMI_CONFIG and main checks them.
func TestCLIKeysAreChecked(t *testing.T) {
	keys := config.CLIKeys(`{"aws:region":"ap-northeast-2","fargo:domian":"{}","fargo:services":"{}"}`)
	if want := []string{"aws:region", "fargo:domian", "fargo:services"}; !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	err := config.CheckKeys(keys)
	if err == nil || !strings.Contains(err.Error(), "fargo:domian: unknown key (did you mean fargo:domain?); fargo reads fargo:network") {
		t.Errorf("got %v", err)
	}
	if keys := config.CLIKeys("not json"); keys != nil {
		t.Errorf("unreadable PULUMI_CONFIG gave keys %v", keys)
	}
}

// TestEveryDeclaredKeyHasADefault keeps the CLI from demanding optional keys: a key
// Pulumi.yaml declares without a default must be set in every stack file.
func TestEveryDeclaredKeyHasADefault(t *testing.T) {
	for key, decl := range loadDeclarations(t) {
		if _, ok := decl["default"]; !ok {
			t.Errorf("Pulumi.yaml declares %s without a default; every stack would have to set it", key)
		}
		if decl["type"] == nil || decl["description"] == nil {
			t.Errorf("Pulumi.yaml declares %s without a type or description", key)
		}
	}
	sc := devWith(t, "fargo:domain", "{}")
	cfg, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
	if err != nil || cfg.Domain != nil {
		t.Errorf("an empty fargo:domain must mean no domain: %v %+v", err, cfg)
	}
}

func TestOwnAndSharedSecretsAreAccepted(t *testing.T) {
	for _, ref := range []string{"/fargo/dev/master-key", "/shared/api-key", "arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/dev/x", "secretsmanager:fargo/dev/db", "/fargo/prod"} {
		sc := devWith(t, "fargo:services", servicesWith(t, "backend", "secrets", map[string]string{"MASTER_KEY": ref}))
		if _, err := config.ParseConfig("fargo", "dev", sc.Get); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
}

func TestStackAndProjectNames(t *testing.T) {
	cases := []struct {
		project, stack string
		want           string // empty: accepted
	}{
		{"fargo", "dev", ""},
		{"fargo", "staging2", ""},
		{"fargo", "dev-2", `stack name: "dev-2" is not a usable stack name`},
		{"fargo", "Dev", `stack name: "Dev" is not a usable stack name`},
		{"fargo", "2dev", `stack name: "2dev"`},
		{"fargo", "abcdefghijklmnopqrstu", `stack name: "abcdefghijklmnopqrstu"`},
		{"my-app", "dev", `Pulumi.yaml name: "my-app" is not a usable project name`},
	}
	for _, c := range cases {
		t.Run(c.project+"/"+c.stack, func(t *testing.T) {
			sc := devWith(t, "fargo:deletionProtection", "false")
			_, err := config.ParseConfig(c.project, c.stack, sc.Get)
			switch {
			case c.want == "" && err != nil && (strings.Contains(err.Error(), "stack name") || strings.Contains(err.Error(), "project name")):
				t.Errorf("name refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestUnknownKeysEverywhere(t *testing.T) {
	cases := []struct {
		key  string
		want string // empty: accepted
	}{
		{"fargo:network", ""},
		{"aws:region", ""},
		{"aws:skipCredentialsValidation", ""},
		{"pulumi:tags", ""},
		{"frago:network", `frago:network: unknown namespace "frago" (did you mean fargo:network?)`},
		{"aws:regoin", "aws:regoin: unknown key (did you mean aws:region?); the AWS provider reads aws:accessKey"},
		{"aws:color", "aws:color: unknown key; the AWS provider reads"},
		{"fargo:servics", "fargo:servics: unknown key (did you mean fargo:services?)"},
		{"myapp:network", `myapp:network: unknown namespace "myapp"; keys are fargo:<key>`},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			err := config.CheckKeys([]string{c.key})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	// Every unknown key is reported, each on its own line.
	err := config.CheckKeys([]string{"frago:network", "aws:regoin", "fargo:network"})
	if got := len(config.ConfigErrors(err)); got != 2 {
		t.Errorf("%d errors for two unknown keys: %v", got, err)
	}
}

func TestNotSecretDeclaresPlainVariables(t *testing.T) {
	withEnv := func(env map[string]string, notSecret []string) *plan.StackConfig {
		sc := loadConfig(t, "dev")
		var services map[string]map[string]any
		if err := json.Unmarshal([]byte(sc.Values["fargo:services"]), &services); err != nil {
			t.Fatal(err)
		}
		services["frontend"]["environment"] = env
		if notSecret != nil {
			services["frontend"]["notSecret"] = notSecret
		}
		b, _ := json.Marshal(services)
		sc.Values["fargo:services"] = string(b)
		return sc
	}
	cases := []struct {
		name      string
		env       map[string]string
		notSecret []string
		want      string // empty: accepted
	}{
		{"words that merely contain a secret word", map[string]string{"MONKEY_COUNT": "3", "KEYCLOAK_URL": "https://id"}, nil, ""},
		{"a key", map[string]string{"PUBLIC_KEY": "ssh-ed25519 AAAA"}, nil, "fargo:services.frontend.environment.PUBLIC_KEY: looks like a secret"},
		{"a key declared plain", map[string]string{"PUBLIC_KEY": "ssh-ed25519 AAAA"}, []string{"PUBLIC_KEY"}, ""},
		{"a declaration of nothing", map[string]string{"PORT_NAME": "web"}, []string{"PUBLIC_KEY"}, `fargo:services.frontend.notSecret[0]: "PUBLIC_KEY" is not in environment`},
		{"a reserved name declared plain", map[string]string{"AWS_SECRET_ACCESS_KEY": "x"}, []string{"AWS_SECRET_ACCESS_KEY"}, `fargo:services.frontend.notSecret[0]: "AWS_SECRET_ACCESS_KEY" is a credential name`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := withEnv(c.env, c.notSecret)
			res, err := plan.Run(sc, mocks.Options{})
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want %q", err, c.want)
			case c.want == "":
				for _, f := range checks.Evaluate(res.Export, nil) {
					if f.Control == "ECS.8" && f.Status != checks.Pass {
						t.Errorf("ECS.8 %s on %s: %s", f.Status, f.URN, f.Reason)
					}
				}
			}
		})
	}
}

func TestServiceCountStaysWithinTheLoadBalancer(t *testing.T) {
	for n, refused := range map[int]bool{60: false, 61: true} {
		services := map[string]any{"web": map[string]any{}}
		for i := 1; i < n; i++ {
			services[fmt.Sprintf("svc%d", i)] = map[string]any{"paths": []any{fmt.Sprintf("/s%d/*", i)}, "priority": i}
		}
		b, _ := json.Marshal(services)
		sc := devWith(t, "fargo:services", string(b))
		delete(sc.Values, "fargo:tables") // they name dev's services
		_, err := config.ParseConfig(sc.Project, sc.Stack, sc.Get)
		got := err != nil && strings.Contains(err.Error(), fmt.Sprintf("fargo:services: declares %d services; one load balancer serves at most 60", n))
		if got != refused {
			t.Errorf("%d services: refused %v (%v), want %v", n, got, err, refused)
		}
	}
}

// TestConfigImportsNoPulumi keeps the data flow one way: the stack file's
// configuration is decided without the engine.
func TestConfigImportsNoPulumi(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../config").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "pulumi") {
			t.Errorf("config depends on %s", dep)
		}
	}
}
