package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// adminSecrets are the parameters an administrator creates before the first
// `up` (README, "Deploying for real", step 3); the stacks only reference them.
var adminSecrets = []string{"/fargo/dev/master-key", "/fargo/prod/master-key"}

// devSecrets proves the secret path the emulator cannot run: ECS reads a task's
// secrets with the execution role when it starts the task (ssm:GetParameters on
// each valueFrom). Every secret of dev's deployed task definitions names a
// parameter that exists, and the service's execution role, as deployed, may
// read exactly that: judged as IAM does, it may read dev's master key and not
// prod's.
func (s *suite) devSecrets(t *testing.T) {
	exp := s.export(t, "dev")
	policies := map[string]any{}
	var requests []iamRequest
	var want []bool // whether IAM must allow each request
	for _, td := range exp.Resources("aws:ecs/taskDefinition:TaskDefinition") {
		service := strings.TrimPrefix(td.Name(), "app-")
		var containers []struct {
			Secrets []struct{ Name, ValueFrom string }
		}
		if err := json.Unmarshal([]byte(td.String("containerDefinitions")), &containers); err != nil {
			t.Fatalf("%s: %v", td.Name(), err)
		}
		for _, c := range containers {
			for _, sec := range c.Secrets {
				name := sec.ValueFrom[strings.Index(sec.ValueFrom, ":parameter")+len(":parameter"):]
				s.aws(t, "ssm", "get-parameter", "--name", name) // it exists
				prods := strings.Replace(sec.ValueFrom, "/fargo/dev/", "/fargo/prod/", 1)
				requests = append(requests,
					iamRequest{Role: service, Action: "ssm:GetParameters", Resource: sec.ValueFrom},
					iamRequest{Role: service, Action: "ssm:GetParameters", Resource: prods})
				want = append(want, true, false)
			}
		}
		for _, p := range exp.Resources("aws:iam/rolePolicy:RolePolicy") {
			if p.Name() == td.Name()+"-exec-secrets" {
				var doc map[string]any
				_ = json.Unmarshal([]byte(p.String("policy")), &doc)
				policies[service] = doc
			}
		}
	}
	if len(requests) == 0 {
		t.Fatal("no task definition of dev's has a secret: nothing to judge")
	}
	for _, r := range requests {
		if policies[r.Role] == nil {
			t.Fatalf("%s has secrets but no execution role secrets policy", r.Role)
		}
	}
	for i, ok := range evaluate(t, s.project.moto.python, policies, requests) {
		if ok != want[i] {
			t.Errorf("%s's execution role: %s on %s allowed=%v, want %v", requests[i].Role, requests[i].Action, requests[i].Resource, ok, want[i])
		}
	}
	s.note(t, "%d secret reads judged against the deployed execution roles: each service's own allowed, prod's denied", len(requests))
}
