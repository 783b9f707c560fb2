package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/config"
	"github.com/fargo-dev/fargo/outputs"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// Faults: what a deploy survives. Each scenario runs on an account of its own,
// beside the others, with the launcher injecting faults (moto/launch.py,
// inject_faults) while the operations run.

// faultLines are the fault scenarios as side lines.
func faultLines() []sideLine {
	return []sideLine{
		{"dev/interrupted-up", func(t *testing.T, s *suite) { s.devInterruptedUp(t) }},
		{"dev/throttled", func(t *testing.T, s *suite) { s.devThrottled(t) }},
	}
}

// setFaults asks the launcher for faults from the next call on; nil for none.
func (s *suite) setFaults(t *testing.T, faults map[string]any) {
	t.Helper()
	data := []byte{}
	if faults != nil {
		var err error
		if data, err = json.Marshal(faults); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.project.moto.faults, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// injected counts the faults the launcher injected, by kind.
func (s *suite) injected(t *testing.T) map[string]int {
	t.Helper()
	f, err := os.Open(s.project.moto.faults + ".log")
	if os.IsNotExist(err) {
		return map[string]int{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ Fault, Action string }
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			counts[line.Fault]++
			counts[line.Fault+" "+line.Action]++
		}
	}
	return counts
}

// freshDev does the administrator's setup and deploys dev, pinned awake, on the
// side line's own account.
func (s *suite) freshDev(t *testing.T) {
	t.Helper()
	s.setSchedule(t, "dev", false)
	s.accountSetup(t, s.stackConfig(t, "dev"))
	s.up(t, "dev")
}

// orphans lists what the account holds tagged for a stack that its state does
// not: resources an interrupted operation made and nobody recorded.
func (s *suite) orphans(t *testing.T, stack string) []string {
	t.Helper()
	known := map[string]bool{}
	for _, r := range s.export(t, stack).Deployment.Resources {
		known[string(r.ID)] = true
		if arn, ok := r.Outputs["arn"].(string); ok {
			known[arn] = true
		}
	}
	var out []string
	for _, arn := range s.taggedFor(t, stack) {
		id := arn[strings.LastIndexAny(arn, "/:")+1:]
		if !known[arn] && !known[id] && !s.gone(t, arn) {
			out = append(out, arn)
		}
	}
	return out
}

// killEngine kills the Pulumi CLI running an operation on this side line's
// backend, with its plugins (every process below it), as a lost runner does:
// no chance to save what is in flight.
func (s *suite) killEngine(t *testing.T) int {
	t.Helper()
	want := "PULUMI_BACKEND_URL=file://" + s.project.backend
	var seen []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if strings.TrimSpace(string(comm)) != "pulumi" {
			continue
		}
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		var backend string
		for _, kv := range strings.Split(string(env), "\x00") {
			if strings.HasPrefix(kv, "PULUMI_BACKEND_URL=") {
				backend = kv
			}
		}
		seen = append(seen, fmt.Sprintf("pid %d %s", pid, backend))
		if backend != want {
			continue
		}
		for _, p := range append(descendants(pid), pid) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		return pid
	}
	t.Fatalf("no running pulumi CLI found for %s among %v", want, seen)
	return 0
}

// descendants lists a process's descendants, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after its ")".
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil {
				children[ppid] = append(children[ppid], p)
			}
		}
	}
	var out []int
	queue := children[pid]
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}

// pendingOperations are the operations an interrupted update left in the state.
type pendingOperation struct {
	Type     string `json:"type"`
	Resource struct {
		URN    string         `json:"urn"`
		Type   string         `json:"type"`
		Inputs map[string]any `json:"inputs"`
	} `json:"resource"`
}

func (s *suite) pendingOperations(t *testing.T, stack string) []pendingOperation {
	t.Helper()
	dep, err := s.stack(t, stack).Export(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Pending []pendingOperation `json:"pending_operations"`
	}
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	return state.Pending
}

// deleteMade deletes, as the README's recovery asks the operator to, what a
// pending create made in the account, and reports whether there was anything.
func (s *suite) deleteMade(t *testing.T, op pendingOperation) bool {
	t.Helper()
	name, _ := op.Resource.Inputs["name"].(string)
	switch op.Resource.Type {
	case "aws:ecs/service:Service":
		cluster, _ := op.Resource.Inputs["cluster"].(string)
		var out struct {
			Services []struct{ ServiceArn, Status string }
		}
		_ = json.Unmarshal([]byte(s.aws(t, "ecs", "describe-services", "--cluster", cluster, "--services", name)), &out)
		for _, svc := range out.Services {
			if svc.Status == "ACTIVE" {
				s.aws(t, "ecs", "delete-service", "--cluster", cluster, "--service", svc.ServiceArn, "--force")
				return true
			}
		}
		return false
	}
	t.Fatalf("the interrupted up left a pending %s (%s); the scenario knows how to find ECS services only", op.Resource.Type, op.Resource.URN)
	return false
}

// devInterruptedUp kills the engine while an up that adds a service waits on
// the service's creation, then follows the README's recovery: the next up
// converges, nothing is orphaned or duplicated, and the tables keep their data.
func (s *suite) devInterruptedUp(t *testing.T) {
	s.freshDev(t)
	tables, _ := s.outputs(t, "dev")[outputs.TableNames].Value.(map[string]any)
	posts := fmt.Sprint(tables["posts"])
	item := `{"postId": {"S": "kept-through-the-interruption"}, "boardId": {"S": "e2e"}, "createdAt": {"N": "1"}}`
	s.aws(t, "dynamodb", "put-item", "--table-name", posts, "--item", item)

	s.editStackFile(t, "dev", func(cfg map[string]any) {
		cfg["fargo:services"].(map[string]any)["admin"] = map[string]any{
			"port": 3000, "cpu": 256, "memory": 512, "paths": []any{"/admin/*"}, "priority": 200,
			"healthCheckPath": "/admin/health", "minTasks": 1, "maxTasks": 2,
		}
	})
	// ECS takes its time creating the service: the engine dies meanwhile.
	s.setFaults(t, map[string]any{"delay": map[string]any{"CreateService": 20}})
	done := make(chan error, 1)
	start := time.Now()
	st := s.stack(t, "dev")
	// Should the scenario stop before its kill, the up must not outlive it.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		_, err := st.Up(ctx, optup.ProgressStreams(s.project.logs), optup.ErrorProgressStreams(s.project.logs))
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Minute)
	for s.injected(t)["delay CreateService"] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the up never sent CreateService")
		}
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("the up ended before it created the service: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	// Let the service's siblings (rules, security group rules) finish: the kill
	// then catches the service's creation alone in flight, once the emulator
	// has served no other call for two seconds.
	calls := callLog{s.project.moto.calls}
	for last, quiet := calls.mark(t), 0; quiet < 4; quiet++ {
		time.Sleep(500 * time.Millisecond)
		if now := calls.mark(t); now != last {
			last, quiet = now, -1
		}
	}
	pid := s.killEngine(t)
	err := <-done
	done <- err // for the cleanup
	if err == nil {
		t.Fatal("the killed up reports success")
	}
	s.setFaults(t, nil)
	time.Sleep(21 * time.Second) // the emulator finishes the request the engine no longer waits for
	s.note(t, "killed the engine (pid %d, with its plugins) %.0f s into an up adding a service, while CreateService was in flight", pid, time.Since(start).Seconds())

	// The README's recovery: the killed engine's lock refuses every operation
	// until `pulumi cancel` removes it; then list the pending operations, look
	// each create up in the account, import what exists and clear the rest, up.
	if _, err := s.stack(t, "dev").Refresh(s.ctx); err == nil || !strings.Contains(err.Error(), "currently locked") {
		t.Errorf("after the kill, a refresh ran or failed otherwise (%v); the README says the lock stops it", err)
	}
	if err := s.stack(t, "dev").Cancel(s.ctx); err != nil {
		t.Fatalf("pulumi cancel: %v", err)
	}
	pending := s.pendingOperations(t, "dev")
	if len(pending) == 0 {
		t.Fatal("the interrupted up left no pending operation: the scenario did not interrupt a create")
	}
	// What a pending create made is new and unused: delete it, then clear the
	// pending creates. (--import-pending-creates would keep it, but the CLI the
	// suite runs drops the import with the refresh's other pending operations,
	// and the next up then makes a second copy: seen here.)
	var described []string
	deleted := 0
	for _, op := range pending {
		described = append(described, op.Type+" "+op.Resource.Type)
		if op.Type == "creating" && s.deleteMade(t, op) {
			deleted++
		}
	}
	s.note(t, "the lock the killed engine left stopped a refresh until pulumi cancel; pending after the kill: %v; %d of them made in the account, deleted", described, deleted)
	if deleted != 1 {
		t.Errorf("the interrupted CreateService made %d services, want 1: the kill came before the emulator served it, so nothing was left to recover", deleted)
	}
	s.operation(t, "dev", true, func() {
		_, err = s.stack(t, "dev").Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs), optrefresh.ClearPendingCreates())
	})
	if err != nil {
		t.Fatalf("pulumi refresh --clear-pending-creates: %v", err)
	}
	if left := s.pendingOperations(t, "dev"); len(left) != 0 {
		t.Fatalf("pending operations remain after the refresh: %+v", left)
	}
	res := s.up(t, "dev")
	s.note(t, "the next up converged: %v", *res.Summary.ResourceChanges)

	if orphans := s.orphans(t, "dev"); len(orphans) > 0 {
		t.Errorf("the account holds resources tagged for dev that its state does not: %v", orphans)
	}
	// The deleted service stays listed, INACTIVE, for a while: count the active ones.
	var listed struct{ ServiceArns []string }
	if err := json.Unmarshal([]byte(s.aws(t, "ecs", "list-services", "--cluster", config.ClusterName("fargo", "dev"))), &listed); err != nil {
		t.Fatal(err)
	}
	var services struct {
		Services []struct{ ServiceName, Status string }
	}
	if err := json.Unmarshal([]byte(s.aws(t, append([]string{"ecs", "describe-services", "--cluster", config.ClusterName("fargo", "dev"), "--services"}, listed.ServiceArns...)...)), &services); err != nil {
		t.Fatal(err)
	}
	var active []string
	for _, svc := range services.Services {
		if svc.Status == "ACTIVE" {
			active = append(active, svc.ServiceName)
		}
	}
	if len(active) != 3 {
		t.Errorf("the cluster runs %d active services, want 3 (none duplicated): %v", len(active), active)
	}
	got := s.aws(t, "dynamodb", "get-item", "--table-name", posts, "--key", `{"postId": {"S": "kept-through-the-interruption"}}`)
	if !strings.Contains(got, "kept-through-the-interruption") {
		t.Errorf("the posts table lost its item: %s", got)
	}
	pre, err := s.stack(t, "dev").Preview(s.ctx, optpreview.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "preview after the recovery", pre.ChangeSummary)
	s.note(t, "%s", s.judgeStack(t, "dev"))
	s.note(t, "no orphan, 3 services, the posts item kept, then no change")
}

// Shares of the provider's calls the throttled scenario answers with a
// throttling error: in the fresh up, and in the rollout's up, which makes few
// calls (a tenth of the first up's), so that some are throttled every run. The
// rollout workflow's own AWS CLI calls (3 attempts each by default, where the
// provider makes 25) are left alone.
const (
	upThrottle      = 0.2
	rolloutThrottle = 0.5
)

// devThrottled runs a fresh up while a fifth of the provider's calls are
// throttled and half of DescribeTargetGroups fail with a 500, then a rollout
// whose up has half its calls throttled: both converge to what they deploy
// without faults.
func (s *suite) devThrottled(t *testing.T) {
	s.setSchedule(t, "dev", false)
	s.accountSetup(t, s.stackConfig(t, "dev"))
	// Users run the provider with its default retries (25), not the suite's 3.
	if err := s.stack(t, "dev").RemoveConfig(s.ctx, "aws:maxRetries"); err != nil {
		t.Fatal(err)
	}
	served := callLog{s.project.moto.calls}
	before := served.mark(t)
	s.setFaults(t, map[string]any{"throttle": upThrottle, "userAgent": "terraform", "serverError": map[string]any{"action": "DescribeTargetGroups", "fraction": 0.5}})
	start := time.Now()
	s.up(t, "dev")
	upTime := time.Since(start)
	s.setFaults(t, nil)
	upCalls, upFaults := served.mark(t)-before, s.injected(t)
	n := s.matchesPlan(t, "dev", s.export(t, "dev"))

	s.setFaults(t, map[string]any{"throttle": rolloutThrottle, "userAgent": "terraform"})
	start = time.Now()
	s.rollout(t, "dev", "backend", rolloutTag)
	rolloutTime := time.Since(start)
	s.setFaults(t, nil)
	calls, faults := served.mark(t)-before-upCalls, s.injected(t)

	if live := s.liveService(t, "dev", "backend"); !strings.HasSuffix(live.Image, ":"+rolloutTag) || live.DesiredCount < 1 {
		t.Errorf("after the throttled rollout backend runs %s x%d", live.Image, live.DesiredCount)
	}
	ref, err := s.stack(t, "dev").Refresh(s.ctx, optrefresh.ProgressStreams(s.project.logs))
	if err != nil {
		t.Fatal(err)
	}
	expectOnlySame(t, "refresh after the throttled operations", *ref.Summary.ResourceChanges)
	if orphans := s.orphans(t, "dev"); len(orphans) > 0 {
		t.Errorf("the throttled operations left resources their state does not hold: %v", orphans)
	}
	if upFaults["throttle"] == 0 || upFaults["serverError"] == 0 || faults["throttle"] <= upFaults["throttle"] {
		t.Errorf("the launcher injected %v in the up and %v in all: the scenario proved nothing", upFaults, faults)
	}
	share := func(faulted, served int) float64 { return 100 * float64(faulted) / float64(faulted+served) }
	s.note(t, "up in %.0f s with %.0f%% of the provider's calls throttled and half of DescribeTargetGroups failing: %d throttled and %d server errors survived beside %d calls served (%.1f%% of answers were faults); %d resources, the offline plan's",
		upTime.Seconds(), upThrottle*100, upFaults["throttle"], upFaults["serverError"], upCalls, share(upFaults["throttle"]+upFaults["serverError"], upCalls), n)
	s.note(t, "rollout in %.0f s with %.0f%% of the provider's calls throttled: %d throttled beside %d calls served (%.1f%%); backend runs %s; a refresh then read no change",
		rolloutTime.Seconds(), rolloutThrottle*100, faults["throttle"]-upFaults["throttle"], calls, share(faults["throttle"]-upFaults["throttle"], calls), rolloutTag)
}
