package config

import (
	"reflect"
	"strings"
	"testing"
)

// defaultService is what a service entry of {} means, with its name.
func defaultService(name string) ServiceConfig {
	return ServiceConfig{
		Name: name, Port: 3000, Cpu: 512, Memory: 1024, Architecture: "X86_64", HealthCheckPath: "/",
		MinTasks: 1, MaxTasks: 1, TargetCpuPercent: 60, TargetMemoryPercent: 75, User: "1000",
	}
}

func TestParseServiceTyped(t *testing.T) {
	yes := true
	every := defaultService("api")
	every.Port, every.Cpu, every.Memory, every.Architecture = 8080, 1024, 2048, "ARM64"
	every.Paths, every.Priority, every.HealthCheckPath = []string{"/api/*", "/v2/*"}, 10, "/api/health"
	every.MinTasks, every.MaxTasks, every.TargetCpuPercent, every.TargetMemoryPercent = 2, 6, 50, 80
	every.Environment = map[string]string{"LOG_LEVEL": "info", "PUBLIC_KEY": "abc"}
	every.Secrets = map[string]string{"DB_PASSWORD": "/fargo/dev/db-password"}
	every.Build = &BuildConfig{Context: "./api", Dockerfile: "api.Dockerfile"}
	every.User, every.ReadonlyRootFilesystem, every.NotSecret = "1000:1000", &yes, []string{"PUBLIC_KEY"}
	every.ScheduleOverride = &ScheduleConfig{AlwaysOn: true}

	minTasks := defaultService("web")
	minTasks.MinTasks, minTasks.MaxTasks = 3, 3
	bounds := defaultService("web")
	bounds.MinTasks, bounds.MaxTasks = 2, 5
	image := defaultService("web")
	image.Image = "public.ecr.aws/nginx/nginx:1.27"
	gid0 := defaultService("web")
	gid0.User = "1000:0"
	for _, c := range []struct {
		name, service, raw string
		want               ServiceConfig
	}{
		{"defaults", "web", `{}`, defaultService("web")},
		{"shortest name", "ab", `{}`, defaultService("ab")},
		{"longest name, with a hyphen", "a-bcdefghijklmn1", `{}`, defaultService("a-bcdefghijklmn1")},
		{"maxTasks follows minTasks", "web", `{"minTasks":3}`, minTasks},
		{"both bounds", "web", `{"minTasks":2,"maxTasks":5}`, bounds},
		{"an image", "web", `{"image":"public.ecr.aws/nginx/nginx:1.27"}`, image},
		{"group 0 is not root", "web", `{"user":"1000:0"}`, gid0},
		{"every key", "api", `{"port":8080,"cpu":1024,"memory":2048,"architecture":"ARM64","paths":["/api/*","/v2/*"],"priority":10,
			"healthCheckPath":"/api/health","minTasks":2,"maxTasks":6,"targetCpuPercent":50,"targetMemoryPercent":80,
			"environment":{"LOG_LEVEL":"info","PUBLIC_KEY":"abc"},"secrets":{"DB_PASSWORD":"/fargo/dev/db-password"},
			"build":{"context":"./api","dockerfile":"api.Dockerfile"},"user":"1000:1000","readonlyRootFilesystem":true,
			"notSecret":["PUBLIC_KEY"],"schedule":{"alwaysOn":true}}`, every},
	} {
		got, err := parseService("fargo:services", c.service, []byte(c.raw))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func TestParseServiceRefusals(t *testing.T) {
	const k = "fargo:services.web"
	for _, c := range []struct {
		name, service, raw string
		want               []refusal
	}{
		{"capital and underscore", "Web_1", `{}`, []refusal{{key: "fargo:services.Web_1",
			msg: `"Web_1" is not a usable service name; use 2 to 16 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`}}},
		{"one letter", "w", `{}`, []refusal{{key: "fargo:services.w", says: []string{`"w" is not a usable service name`}}}},
		{"17 characters", "abcdefghijklmnopq", `{}`, []refusal{{key: "fargo:services.abcdefghijklmnopq", says: []string{"2 to 16"}}}},
		{"ends with a hyphen", "web-", `{}`, []refusal{{key: "fargo:services.web-", says: []string{"not ending with a hyphen"}}}},
		{"starts with a digit", "9web", `{}`, []refusal{{key: "fargo:services.9web", says: []string{"starting with a letter"}}}},
		{"no settings", "web", `null`, []refusal{{key: k, msg: "has no settings; give it at least a port"}}},
		{"port as text", "web", `{"port":"80"}`, []refusal{{key: k + ".port", msg: "is a string, expected a whole number"}}},
		{"port 0", "web", `{"port":0}`, []refusal{{key: k + ".port", msg: "0 is out of range; use 1 to 65535"}}},
		{"port 70000", "web", `{"port":70000}`, []refusal{{key: k + ".port", msg: "70000 is out of range; use 1 to 65535"}}},
		{"privileged port", "web", `{"port":80}`, []refusal{{key: k + ".port",
			msg: "80 is below 1024, which the container's non-root user cannot listen on; use 1024 to 65535 (e.g. 3000 or 8080): the load balancer still serves 80 and 443"}}},
		{"architecture", "web", `{"architecture":"arm64"}`, []refusal{{key: k + ".architecture", msg: `"arm64" is not allowed; use X86_64 or ARM64`}}},
		{"six paths", "web", `{"paths":["/a","/b","/c","/d","/e","/f"],"priority":1}`, []refusal{{key: k + ".paths", msg: "has 6 patterns; a listener rule takes at most 5"}}},
		{"six wildcards", "web", `{"paths":["/a*/*/*","/b?/*/*"],"priority":1}`, []refusal{{key: k + ".paths", msg: "[/a*/*/* /b?/*/*] hold 6 wildcards (* and ?); a listener rule takes at most 5"}}},
		{"path without a slash", "web", `{"paths":["/ok/*","api/*"],"priority":1}`, []refusal{{key: k + ".paths[1]",
			msg: `"api/*" is not a load balancer path pattern; it must start with / and use only letters, digits and _-.$/~"'@:+&*? (at most 128 characters)`}}},
		{"path with a space", "web", `{"paths":["/a b"],"priority":1}`, []refusal{{key: k + ".paths[0]", says: []string{`"/a b" is not a load balancer path pattern`}}}},
		{"path of 129 characters", "web", `{"paths":["/` + strings.Repeat("a", 128) + `"],"priority":1}`, []refusal{{key: k + ".paths[0]", says: []string{"at most 128 characters"}}}},
		{"paths without a priority", "web", `{"paths":["/api/*"]}`, []refusal{{key: k + ".priority",
			msg: "0 is not allowed; a path-routed service needs a listener rule priority from 1 to 50000 (lower is matched first)"}}},
		{"priority 50001", "web", `{"paths":["/api/*"],"priority":50001}`, []refusal{{key: k + ".priority", says: []string{"50001 is not allowed", "1 to 50000"}}}},
		{"priority without paths", "web", `{"priority":3}`, []refusal{{key: k + ".priority", msg: "is set but the service has no paths; only path-routed services have listener rules"}}},
		{"health check path without a slash", "web", `{"healthCheckPath":"health"}`, []refusal{{key: k + ".healthCheckPath",
			msg: `"health" is not a health check path; it must start with / and contain no wildcards`}}},
		{"health check path with a wildcard", "web", `{"healthCheckPath":"/h*"}`, []refusal{{key: k + ".healthCheckPath", says: []string{`"/h*"`, "no wildcards"}}}},
		{"no tasks", "web", `{"minTasks":0}`, []refusal{{key: k + ".minTasks", msg: "0 is not allowed; use 1 to 1000"}}},
		{"more tasks than allowed", "web", `{"minTasks":1001,"maxTasks":1001}`, []refusal{
			{key: k + ".minTasks", msg: "1001 is not allowed; use 1 to 1000"},
			{key: k + ".maxTasks", msg: "1001 is not allowed; use minTasks (1001) to 1000"},
		}},
		{"max below min", "web", `{"minTasks":5,"maxTasks":4}`, []refusal{{key: k + ".maxTasks", msg: "4 is not allowed; use minTasks (5) to 1000"}}},
		{"CPU target", "web", `{"targetCpuPercent":100}`, []refusal{{key: k + ".targetCpuPercent", msg: "100 is not allowed; use 10 to 95"}}},
		{"memory target", "web", `{"targetMemoryPercent":5}`, []refusal{{key: k + ".targetMemoryPercent", msg: "5 is not allowed; use 10 to 95"}}},
		{"image and build", "web", `{"image":"nginx:1.27","build":{"context":"."}}`, []refusal{{key: k, msg: "sets both image and build; choose one"}}},
		{"image with a space", "web", `{"image":"nginx 1.27"}`, []refusal{{key: k + ".image", msg: `"nginx 1.27" is not an image reference`}}},
		{"build without a context", "web", `{"build":{"dockerfile":"Dockerfile"}}`, []refusal{{key: k + ".build.context", msg: "is empty; name the Docker build context directory"}}},
		{"user by name", "web", `{"user":"node"}`, []refusal{{key: k + ".user", msg: `"node" is not allowed; give a numeric uid or uid:gid, e.g. 1000`}}},
		{"root", "web", `{"user":"0"}`, []refusal{{key: k + ".user", msg: `"0" is root; containers run as a non-root user (e.g. 1000, the node user)`}}},
		{"root with a group", "web", `{"user":"0:1000"}`, []refusal{{key: k + ".user", says: []string{`"0:1000" is root`}}}},
		{"root in zeros", "web", `{"user":"000"}`, []refusal{{key: k + ".user", says: []string{`"000" is root`}}}},
		{"environment name", "web", `{"environment":{"1BAD":"x"}}`, []refusal{{key: k + ".environment.1BAD",
			msg: "is not a valid environment variable name; use letters, digits and _, not starting with a digit"}}},
		{"secret in plain environment", "web", `{"environment":{"MASTER_KEY":"x"}}`, []refusal{{key: k + ".environment.MASTER_KEY", says: []string{"looks like a secret", "move it to secrets", "list it in notSecret"}}}},
		{"notSecret not in environment", "web", `{"notSecret":["PUBLIC_KEY"]}`, []refusal{{key: k + ".notSecret[0]",
			msg: `"PUBLIC_KEY" is not in environment; list only plain variables the service sets`}}},
		{"notSecret of an AWS credential", "web", `{"environment":{"AWS_SECRET_ACCESS_KEY":"x"},"notSecret":["AWS_SECRET_ACCESS_KEY"]}`, []refusal{{key: k + ".notSecret[0]",
			msg: `"AWS_SECRET_ACCESS_KEY" is a credential name AWS Security Hub (ECS.8) always flags; it cannot be declared plain`}}},
		{"secret also in environment", "web", `{"environment":{"DB":"x"},"secrets":{"DB":"/fargo/dev/db"}}`, []refusal{{key: k + ".secrets.DB", msg: "is also in environment; a variable comes from one place"}}},
		{"every mistake at once", "web", `{"port":0,"cpu":300,"architecture":"arm","user":"0"}`, []refusal{
			{key: k + ".port"}, {key: k + ".cpu"}, {key: k + ".architecture"}, {key: k + ".user"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseService("fargo:services", c.service, []byte(c.raw))
			wantRefusals(t, err, c.want...)
		})
	}
}

func TestParseServicesSortsByName(t *testing.T) {
	cfg := Config{Project: "fargo", Stack: "dev", Region: "ap-northeast-2"}
	err := cfg.parseServices(stackFile(map[string]string{"fargo:services": `{"web":{},"api":{"paths":["/api/*"],"priority":1}}`}))
	if err != nil {
		t.Fatal(err)
	}
	api := defaultService("api")
	api.Paths, api.Priority = []string{"/api/*"}, 1
	if want := []ServiceConfig{api, defaultService("web")}; !reflect.DeepEqual(cfg.Services, want) {
		t.Errorf("got %+v\nwant %+v", cfg.Services, want)
	}
}

func TestParseServicesRefusals(t *testing.T) {
	for _, c := range []struct {
		name, raw string // raw "" leaves fargo:services unset
		want      []refusal
	}{
		{"unset", "", []refusal{{key: "fargo:services", msg: "is not set; declare at least one service, e.g. frontend with no paths (the default route)"}}},
		{"a list", `["web"]`, []refusal{{key: "fargo:services", msg: `must be a map from service name to its settings; got ["web"]`}}},
		{"empty", `{}`, []refusal{{key: "fargo:services", msg: "is empty; declare at least one service"}}},
		{"another stack's secret", `{"web":{"secrets":{"DB":"/fargo/prod/db"}}}`, []refusal{{key: "fargo:services.web.secrets.DB",
			msg: `"/fargo/prod/db" is stack prod's secret; stack dev may read only its own /fargo/dev/ secrets (or secrets outside /fargo/)`}}},
		{"task definition too large", `{"web":{"environment":{"BIG_BLOB":"` + strings.Repeat("x", 64<<10) + `"}}}`, []refusal{{key: "fargo:services.web",
			msg: "would register a task definition of about 67617 bytes (its environment, secrets and image); ECS takes at most 65536 (64 KiB): move large values out of environment, e.g. into an SSM parameter named under secrets"}}},
		// An undecodable service leaves the routes unjudged: api alone has no
		// default route, but that would be a guess.
		{"undecodable service", `{"api":{"paths":["/api/*"],"priority":1},"web":{"port":"x"}}`, []refusal{{key: "fargo:services.web.port", says: []string{"is a string"}}}},
		{"routes judged", `{"api":{"paths":["/api/*"],"priority":1},"web":{"paths":["/web/*"],"priority":2}}`, []refusal{{key: "fargo:services", says: []string{"no service takes the default route"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			values := map[string]string{}
			if c.raw != "" {
				values["fargo:services"] = c.raw
			}
			cfg := Config{Project: "fargo", Stack: "dev", Region: "ap-northeast-2"}
			wantRefusals(t, cfg.parseServices(stackFile(values)), c.want...)
		})
	}
}

func TestTaskDefinitionBytes(t *testing.T) {
	for _, c := range []struct {
		name    string
		service ServiceConfig
		want    int
	}{
		{"nothing but the overhead and an empty image", ServiceConfig{}, 2050},
		{"an image", ServiceConfig{Image: "nginx:1.27"}, 2060},
		// {"name":"A","value":"b"},
		{"one variable", ServiceConfig{Environment: map[string]string{"A": "b"}}, 2075},
		// {"name":"DB","valueFrom":"arn:aws:ssm:ap-northeast-2:123456789012:parameter/fargo/dev/db"},
		{"one secret, as its ARN", ServiceConfig{Secrets: map[string]string{"DB": "/fargo/dev/db"}}, 2141},
		{"a declaration", ServiceConfig{NotSecret: []string{"PUBLIC_KEY"}}, 2063},
		{"quotes escaped", ServiceConfig{Environment: map[string]string{"A": `"`}}, 2076},
	} {
		if got := taskDefinitionBytes(c.service, "ap-northeast-2"); got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, got, c.want)
		}
	}
}

func TestServiceMethods(t *testing.T) {
	for _, c := range []struct {
		service      ServiceConfig
		platform     string
		defaultRoute bool
	}{
		{ServiceConfig{Architecture: "ARM64"}, "linux/arm64", true},
		{ServiceConfig{Architecture: "X86_64", Paths: []string{"/api/*"}}, "linux/amd64", false},
		{ServiceConfig{Paths: []string{}}, "linux/amd64", true},
	} {
		if got := c.service.ImagePlatform(); got != c.platform {
			t.Errorf("%+v: ImagePlatform %q, want %q", c.service, got, c.platform)
		}
		if got := c.service.DefaultRoute(); got != c.defaultRoute {
			t.Errorf("%+v: DefaultRoute %v, want %v", c.service, got, c.defaultRoute)
		}
	}
}
