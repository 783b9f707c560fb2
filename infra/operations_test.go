package infra_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/fargo-dev/fargo/internal/cost"
	"github.com/fargo-dev/fargo/internal/graph"
	"github.com/fargo-dev/fargo/plan/mocks"
)

// night is Thursday 26 November 2026 at 23:00 in Seoul: dev is asleep.
var night = time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)

func number(t *testing.T, r *graph.Resource, path ...string) float64 {
	t.Helper()
	v, ok := r.Number(path...)
	if !ok {
		t.Fatalf("%s has no number at %v", r.Name(), path)
	}
	return v
}

func TestDevSleepsNightsAndWeekends(t *testing.T) {
	p := planFor(t, "dev")
	actions := p.exp.Resources("aws:appautoscaling/scheduledAction:ScheduledAction")
	if len(actions) != 4 {
		t.Fatalf("dev has %d scheduled actions, want 4 (sleep and wake for frontend and backend)", len(actions))
	}
	for _, svc := range []string{"frontend", "backend"} {
		target := one(t, p.exp, "aws:appautoscaling/target:Target", "app-"+svc)
		for _, c := range []struct {
			kind, name, schedule string
			min, max             float64
		}{
			{"sleep", "fargo-dev-" + svc + "-sleep", "cron(0 22 ? * MON-FRI *)", 0, 0},
			{"wake", "fargo-dev-" + svc + "-wake", "cron(0 8 ? * MON-FRI *)", 1, 4},
		} {
			a := one(t, p.exp, "aws:appautoscaling/scheduledAction:ScheduledAction", "app-"+svc+"-"+c.kind)
			if a.String("name") != c.name || a.String("schedule") != c.schedule || a.String("timezone") != "Asia/Seoul" {
				t.Errorf("%s %s: %s %q in %q, want %s %q in Asia/Seoul", svc, c.kind, a.String("name"), a.String("schedule"), a.String("timezone"), c.name, c.schedule)
			}
			if lo, hi := number(t, a, "scalableTargetAction", "minCapacity"), number(t, a, "scalableTargetAction", "maxCapacity"); lo != c.min || hi != c.max {
				t.Errorf("%s %s sets %v..%v tasks, want %v..%v", svc, c.kind, lo, hi, c.min, c.max)
			}
			if id := a.String("resourceId"); id == "" || id != target.String("resourceId") {
				t.Errorf("%s %s acts on %q, not the service's target %q", svc, c.kind, a.String("resourceId"), target.String("resourceId"))
			}
		}
		// A deploy at noon on a weekday leaves the service awake.
		if lo, hi := number(t, target, "minCapacity"), number(t, target, "maxCapacity"); lo != 1 || hi != 4 {
			t.Errorf("%s at noon: %v..%v tasks, want 1..4", svc, lo, hi)
		}
	}
}

func TestDeployWhileAsleepKeepsTheServiceAsleep(t *testing.T) {
	p := runConfig(t, loadConfig(t, "dev"), mocks.Options{Now: night})
	for _, svc := range []string{"frontend", "backend"} {
		target := one(t, p.exp, "aws:appautoscaling/target:Target", "app-"+svc)
		if lo, hi := number(t, target, "minCapacity"), number(t, target, "maxCapacity"); lo != 0 || hi != 0 {
			t.Errorf("%s deployed at 23:00 Seoul: %v..%v tasks, want 0..0 until the wake action", svc, lo, hi)
		}
		if n := number(t, one(t, p.exp, "aws:ecs/service:Service", "app-"+svc), "desiredCount"); n != 0 {
			t.Errorf("%s deployed at 23:00 Seoul starts %v tasks, want 0", svc, n)
		}
		wake := one(t, p.exp, "aws:appautoscaling/scheduledAction:ScheduledAction", "app-"+svc+"-wake")
		if lo := number(t, wake, "scalableTargetAction", "minCapacity"); lo != 1 {
			t.Errorf("%s's wake action sets %v tasks at night, want 1", svc, lo)
		}
	}
	// Saturday noon is asleep too; Monday 08:00 is awake.
	for _, c := range []struct {
		at   time.Time
		want float64
	}{{time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC), 0}, {time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC), 1}} {
		p := runConfig(t, loadConfig(t, "dev"), mocks.Options{Now: c.at})
		if lo := number(t, one(t, p.exp, "aws:appautoscaling/target:Target", "app-frontend"), "minCapacity"); lo != c.want {
			t.Errorf("deployed at %v: frontend min %v, want %v", c.at, lo, c.want)
		}
	}
}

func TestServiceScheduleOverrides(t *testing.T) {
	services := servicesWith(t, "backend", "schedule", map[string]any{"alwaysOn": true})
	p := runConfig(t, devWith(t, "fargo:services", services), mocks.Options{Now: night})
	for _, a := range p.exp.Resources("aws:appautoscaling/scheduledAction:ScheduledAction") {
		if a.Name() == "app-backend-sleep" || a.Name() == "app-backend-wake" {
			t.Errorf("always-on backend has %s", a.Name())
		}
	}
	if lo := number(t, one(t, p.exp, "aws:appautoscaling/target:Target", "app-backend"), "minCapacity"); lo != 1 {
		t.Errorf("always-on backend deployed at night runs %v tasks at least, want 1", lo)
	}
	// A service's own wake time keeps the stack's sleep time and zone.
	services = servicesWith(t, "backend", "schedule", map[string]any{"wake": "cron(30 6 ? * MON-FRI *)"})
	p = runConfig(t, devWith(t, "fargo:services", services), mocks.Options{})
	wake := one(t, p.exp, "aws:appautoscaling/scheduledAction:ScheduledAction", "app-backend-wake")
	sleep := one(t, p.exp, "aws:appautoscaling/scheduledAction:ScheduledAction", "app-backend-sleep")
	if wake.String("schedule") != "cron(30 6 ? * MON-FRI *)" || sleep.String("schedule") != "cron(0 22 ? * MON-FRI *)" || wake.String("timezone") != "Asia/Seoul" {
		t.Errorf("backend wakes %q and sleeps %q in %q", wake.String("schedule"), sleep.String("schedule"), wake.String("timezone"))
	}
	// Without fargo:schedule nothing sleeps.
	p = runConfig(t, devWith(t, "fargo:schedule", ""), mocks.Options{Now: night})
	if n := len(p.exp.Resources("aws:appautoscaling/scheduledAction:ScheduledAction")); n != 0 {
		t.Errorf("no schedule, yet %d scheduled actions", n)
	}
}

func TestDevCostAsleepIsTheAwakeShare(t *testing.T) {
	p := planFor(t, "dev")
	est, err := cost.EstimateGraph(p.exp, cost.Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !est.Scheduled {
		t.Fatal("dev's estimate does not know its schedule")
	}
	// Awake 08:00 to 22:00 on weekdays: 70 of a week's 168 hours.
	const awake = 70.0 / 168
	var tasks float64
	for _, it := range est.Items {
		if it.Type == "aws:ecs/service:Service" {
			tasks += it.Monthly
			if want := it.Monthly * awake; math.Abs(it.MonthlyScheduled-want) > 1e-9 {
				t.Errorf("%s %s: %.4f scheduled, want %.4f", it.Resource, it.Description, it.MonthlyScheduled, want)
			}
		} else if it.MonthlyScheduled != it.Monthly {
			t.Errorf("%s %s sleeps: %.4f of %.4f", it.Resource, it.Description, it.MonthlyScheduled, it.Monthly)
		}
	}
	if tasks == 0 {
		t.Fatal("no task cost in dev")
	}
	if want := est.TotalMonthly - tasks*(1-awake); math.Abs(est.TotalMonthlyScheduled-want) > 1e-6 {
		t.Errorf("dev asleep nights and weekends: %.2f, want %.2f", est.TotalMonthlyScheduled, want)
	}
	// Planned at night, dev is still priced awake and asleep the same.
	atNight, err := cost.EstimateGraph(runConfig(t, loadConfig(t, "dev"), mocks.Options{Now: night}).exp, cost.Assumptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(atNight.TotalMonthly-est.TotalMonthly) > 1e-9 || math.Abs(atNight.TotalMonthlyScheduled-est.TotalMonthlyScheduled) > 1e-9 {
		t.Errorf("planned at night: %.2f / %.2f, at noon %.2f / %.2f", atNight.TotalMonthly, atNight.TotalMonthlyScheduled, est.TotalMonthly, est.TotalMonthlyScheduled)
	}
}

func TestProdDeploymentsRollBackOnAlarms(t *testing.T) {
	p := planFor(t, "prod")
	topic := one(t, p.exp, "aws:sns/topic:Topic", "alerts")
	if topic.String("name") != "fargo-prod-alarms" {
		t.Errorf("topic %q", topic.String("name"))
	}
	sub := one(t, p.exp, "aws:sns/topicSubscription:TopicSubscription", "alerts-ops@example.com")
	if sub.String("protocol") != "email" || sub.String("endpoint") != "ops@example.com" || sub.String("topic") != topic.String("arn") {
		t.Errorf("subscription %v", sub.Inputs)
	}
	for _, svc := range []string{"frontend", "backend"} {
		service := one(t, p.exp, "aws:ecs/service:Service", "app-"+svc)
		names := service.List("alarms", "alarmNames")
		want := []any{"fargo-prod-" + svc + "-errors", "fargo-prod-" + svc + "-unhealthy"}
		if len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
			t.Errorf("%s deployment watches %v, want %v", svc, names, want)
		}
		if on, _ := service.Bool("alarms", "enable"); !on {
			t.Errorf("%s: deployment alarms are off", svc)
		}
		if back, _ := service.Bool("alarms", "rollback"); !back {
			t.Errorf("%s: deployment alarms do not roll back", svc)
		}
		if on, _ := service.Bool("deploymentCircuitBreaker", "rollback"); !on {
			t.Errorf("%s: the circuit breaker no longer rolls back", svc)
		}
		// The AWS provider cannot update alarms away; turning them off replaces the service.
		if !slices.Contains(service.ReplaceOnChanges, "alarms") {
			t.Errorf("%s: replaceOnChanges %v lacks alarms, so turning fargo:alarms off would fail", svc, service.ReplaceOnChanges)
		}
		errs := one(t, p.exp, "aws:cloudwatch/metricAlarm:MetricAlarm", "app-"+svc+"-errors")
		unhealthy := one(t, p.exp, "aws:cloudwatch/metricAlarm:MetricAlarm", "app-"+svc+"-unhealthy")
		for _, c := range []struct {
			alarm     *graph.Resource
			threshold float64
			operator  string
		}{{errs, 5, "GreaterThanThreshold"}, {unhealthy, 1, "GreaterThanOrEqualToThreshold"}} {
			if th := number(t, c.alarm, "threshold"); th != c.threshold || c.alarm.String("comparisonOperator") != c.operator {
				t.Errorf("%s: %s %v, want %s %v", c.alarm.Name(), c.alarm.String("comparisonOperator"), th, c.operator, c.threshold)
			}
			if n := number(t, c.alarm, "evaluationPeriods"); n != 3 {
				t.Errorf("%s evaluates %v periods, want 3", c.alarm.Name(), n)
			}
			if actions := c.alarm.List("alarmActions"); len(actions) != 1 || actions[0] != topic.String("arn") {
				t.Errorf("%s alarms %v, want the topic %s", c.alarm.Name(), actions, topic.String("arn"))
			}
			if c.alarm.String("treatMissingData") != "notBreaching" {
				t.Errorf("%s: a sleeping or idle service would alarm (treatMissingData %q)", c.alarm.Name(), c.alarm.String("treatMissingData"))
			}
		}
		tg := one(t, p.exp, "aws:lb/targetGroup:TargetGroup", "web-"+svc)
		if got := unhealthy.String("dimensions", "TargetGroup"); got == "" || got != tg.String("arnSuffix") {
			t.Errorf("%s unhealthy alarm watches target group %q, want %q", svc, got, tg.String("arnSuffix"))
		}
		if n := len(errs.List("metricQueries")); n != 3 {
			t.Errorf("%s error alarm has %d queries, want errors, requests and their rate", svc, n)
		}
	}
	// Dev configures no alarms: none exist, and its services watch none.
	dev := planFor(t, "dev")
	if n := len(dev.exp.Resources("aws:cloudwatch/metricAlarm:MetricAlarm")) + len(dev.exp.Resources("aws:sns/topic:Topic")); n != 0 {
		t.Errorf("dev has %d alarms and topics", n)
	}
	if v := one(t, dev.exp, "aws:ecs/service:Service", "app-frontend").Value("alarms"); v != nil {
		t.Errorf("dev's frontend watches %v", v)
	}
}
