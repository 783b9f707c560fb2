package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/fargo-dev/fargo/internal/cron"
)

// ScheduleConfig is fargo:schedule, and a service's schedule key that overrides
// it: when the services sleep (scaled to zero) and wake (back to their minimum).
type ScheduleConfig struct {
	// Sleep and Wake are AWS cron expressions, e.g. cron(0 22 ? * MON-FRI *).
	Sleep string `json:"sleep"`
	Wake  string `json:"wake"`
	// Timezone is the IANA time zone the expressions are read in (default UTC).
	Timezone string `json:"timezone"`
	// AlwaysOn, on a service only, keeps it awake whatever the stack's schedule.
	AlwaysOn bool `json:"alwaysOn"`
}

// Schedule is a validated sleep and wake schedule.
type Schedule struct {
	// Sleep and Wake are the cron expressions as written.
	Sleep, Wake string
	// Timezone is the IANA zone name AWS reads them in.
	Timezone string

	sleep, wake *cron.Expr
	loc         *time.Location
}

// AsleepAt reports whether the schedule has the service asleep at t: its sleep
// fired after its wake (a schedule that has not fired for a year is awake).
func (s *Schedule) AsleepAt(t time.Time) bool {
	state, ok := cron.StateAt([]cron.Step{{When: s.sleep, Loc: s.loc, State: 0}, {When: s.wake, Loc: s.loc, State: 1}}, t)
	return ok && state == 0
}

func (c *Config) parseSchedule(get func(string) (string, bool)) error {
	key := fullKey("schedule")
	sc, err := decodeOptional(get, key, ScheduleConfig{})
	if sc == nil || err != nil {
		return err
	}
	if sc.AlwaysOn {
		return errorf(key+".alwaysOn", "is for a service's own schedule key; to keep every service awake, leave fargo:schedule unset")
	}
	s, err := newSchedule(key, *sc, c.now)
	c.Schedule = s
	return err
}

// newSchedule validates a complete schedule as of now: both expressions, the
// zone, and that the two can work together.
func newSchedule(key string, sc ScheduleConfig, now time.Time) (*Schedule, error) {
	var errs []error
	s := &Schedule{Sleep: sc.Sleep, Wake: sc.Wake, Timezone: sc.Timezone}
	if s.Timezone == "" {
		s.Timezone = "UTC"
	}
	for _, f := range []struct {
		name, expr string
		out        **cron.Expr
	}{{"sleep", sc.Sleep, &s.sleep}, {"wake", sc.Wake, &s.wake}} {
		if f.expr == "" {
			errs = append(errs, errorf(key+"."+f.name, "is not set; give an AWS cron expression, e.g. cron(0 22 ? * MON-FRI *) to %s at 22:00 on weekdays", f.name))
			continue
		}
		e, err := cron.Parse(f.expr)
		if err != nil {
			errs = append(errs, errorf(key+"."+f.name, "%q %v", f.expr, err))
			continue
		}
		*f.out = e
	}
	loc, err := loadZone(key+".timezone", s.Timezone)
	errs = append(errs, err)
	s.loc = loc
	if s.sleep != nil && s.wake != nil && loc != nil {
		errs = append(errs, checkFiring(key, s, now.In(loc)))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

//go:generate go run gen_tzlinks.go

// loadZone returns the zone a schedule's expressions are read in. Application
// Auto Scaling takes "the canonical names of the IANA time zones supported by
// Joda-Time" (PutScheduledAction's Timezone,
// https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html),
// so an old name the database keeps only as a link (tzLinks) is refused, though
// Go loads it. UTC is such a link (to Etc/UTC), yet AWS takes it: the Terraform
// AWS provider under pulumi-aws sends it as the default Timezone
// (internal/service/appautoscaling/scheduled_action.go). A refused link still
// returns its zone, so that the expressions are judged too.
func loadZone(key, name string) (*time.Location, error) {
	if target, ok := tzLinks[name]; ok && name != "UTC" {
		loc, _ := time.LoadLocation(target)
		return loc, errorf(key, "%q is an old name the IANA time zone database keeps only as a link to %s, and Application Auto Scaling takes canonical names only; use %s", name, target, target)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" || !strings.Contains(name, "/") && name != "UTC" {
		return nil, errorf(key, "%q is not an IANA time zone name like Asia/Seoul, Europe/Berlin or UTC", name)
	}
	return loc, nil
}

// checkFiring refuses a schedule that AWS takes but that cannot work, judged
// from now (on the schedule's wall clock): an expression that never fires again
// (a Year field wholly past, or a day that never comes, such as 30 FEB), or sleep
// and wake firing in the same minute, however each is written. Application Auto
// Scaling runs a target's actions in the order of their times and documents none
// for two due at the same time
// (https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-policy-overview.html),
// so the service would be left asleep or awake by chance.
func checkFiring(key string, s *Schedule, now time.Time) error {
	var errs []error
	for _, f := range []struct {
		name string
		expr *cron.Expr
	}{{"sleep", s.sleep}, {"wake", s.wake}} {
		if _, ok := f.expr.Next(now); ok {
			continue
		}
		why := "no day matches it (such as 30 FEB, or 29 FEB in years that are not leap years)"
		if _, ever := f.expr.Next(time.Date(1969, 12, 31, 23, 59, 0, 0, now.Location())); ever {
			why = "every year it names is past"
		}
		errs = append(errs, errorf(key+"."+f.name, "%q never fires after %s: %s; AWS would accept it and never %s the services", f.expr, now.Format("2006-01-02 15:04 MST"), why, f.name))
	}
	if at, ok := cron.FirstCommon(s.sleep, s.wake, now); ok {
		errs = append(errs, errorf(key, "sleep %s and wake %s both fire at %s (%s); AWS documents no order for two actions due at the same time, so the services would be asleep or awake by chance: sleep and wake must fire at different moments",
			s.sleep, s.wake, at.Format("2006-01-02 15:04"), s.Timezone))
	}
	return errors.Join(errs...)
}

// resolveSchedules gives each service its schedule: the stack's, its own
// (fields it leaves out come from the stack's), or none when it is always on.
func (c *Config) resolveSchedules() error {
	var errs []error
	for i := range c.Services {
		svc := &c.Services[i]
		own := svc.ScheduleOverride
		switch {
		case own == nil:
			svc.Schedule = c.Schedule
		case own.AlwaysOn:
			if own.Sleep != "" || own.Wake != "" || own.Timezone != "" {
				errs = append(errs, errorf(fullKey("services."+svc.Name+".schedule"), "sets alwaysOn with sleep, wake or timezone; an always-on service has no schedule"))
			}
		default:
			merged := *own
			if c.Schedule != nil {
				merged.Sleep = cmp.Or(merged.Sleep, c.Schedule.Sleep)
				merged.Wake = cmp.Or(merged.Wake, c.Schedule.Wake)
				merged.Timezone = cmp.Or(merged.Timezone, c.Schedule.Timezone)
			}
			s, err := newSchedule(fullKey("services."+svc.Name+".schedule"), merged, c.now)
			errs = append(errs, err)
			svc.Schedule = s
		}
	}
	return errors.Join(errs...)
}

// AlarmsConfig is fargo:alarms: each service's deployment watches alarms on its
// target group and rolls back when one fires; every alarm e-mails Emails.
type AlarmsConfig struct {
	// Emails receive the alarms through the stack's SNS topic.
	Emails []string `json:"emails"`
	// ErrorRatePercent is the share of requests answered with a 5xx by the
	// service's tasks, per minute, above which the error alarm fires.
	ErrorRatePercent float64 `json:"errorRatePercent"`
	// UnhealthyTasks is how many failing targets fire the health alarm.
	UnhealthyTasks int `json:"unhealthyTasks"`
	// EvaluationMinutes is how many consecutive one-minute periods must breach.
	EvaluationMinutes int `json:"evaluationMinutes"`
}

// Alarm defaults: sensitive enough to stop a bad rollout within minutes, calm
// enough not to page on one failed request.
const (
	DefaultErrorRatePercent  = 5
	DefaultUnhealthyTasks    = 1
	DefaultEvaluationMinutes = 3
)

func (c *Config) parseAlarms(get func(string) (string, bool)) error {
	key := fullKey("alarms")
	a, err := decodeOptional(get, key, AlarmsConfig{ErrorRatePercent: DefaultErrorRatePercent, UnhealthyTasks: DefaultUnhealthyTasks, EvaluationMinutes: DefaultEvaluationMinutes})
	if a == nil || err != nil {
		return err
	}
	errs := []error{checkEmails(key+".emails", a.Emails, 10, "give 1 to 10")}
	// The error alarm fires when the 5xx share is greater than the threshold
	// (GreaterThanThreshold on 100 * errors / requests, infra/service.go), and a
	// share never exceeds 100: at 100 it could never fire.
	if a.ErrorRatePercent <= 0 || a.ErrorRatePercent >= 100 {
		errs = append(errs, errorf(key+".errorRatePercent", "%v is not allowed; give a percentage of requests above 0 and below 100 (the alarm fires when the 5xx share is greater, and a share never exceeds 100)", a.ErrorRatePercent))
	}
	if a.UnhealthyTasks < 1 || a.UnhealthyTasks > 1000 {
		errs = append(errs, errorf(key+".unhealthyTasks", "%d is not allowed; use 1 to 1000", a.UnhealthyTasks))
	} else {
		errs = append(errs, checkUnhealthyReachable(key+".unhealthyTasks", a.UnhealthyTasks, c.Services))
	}
	// CloudWatch evaluates at most a day of one-minute periods ("For alarms with a
	// period of less than one hour ... can't be longer than one day", PutMetricAlarm:
	// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
	if a.EvaluationMinutes < 1 || a.EvaluationMinutes > 1440 {
		errs = append(errs, errorf(key+".evaluationMinutes", "%d is not allowed; use 1 to 1440 (a day)", a.EvaluationMinutes))
	}
	c.Alarms = a
	return errors.Join(errs...)
}

// checkUnhealthyReachable refuses a threshold some service's unhealthy alarm
// could never reach: it fires on at least n failing targets
// (GreaterThanOrEqualToThreshold on UnHealthyHostCount, infra/service.go), and a
// rollout of a service starts at most maxTasks new tasks, so with fewer a bad
// image would never trip it.
func checkUnhealthyReachable(key string, n int, services []ServiceConfig) error {
	var short []string
	fewest := 0
	for _, s := range services {
		if s.MaxTasks < 1 {
			continue // refused on its own
		}
		if s.MaxTasks < n {
			short = append(short, fmt.Sprintf("%s (maxTasks %d)", s.Name, s.MaxTasks))
		}
		if fewest == 0 || s.MaxTasks < fewest {
			fewest = s.MaxTasks
		}
	}
	if len(short) == 0 {
		return nil
	}
	return errorf(key, "%d can never be reached by the unhealthy alarm of %s: a rollout fails at most maxTasks targets; use 1 to %d, or raise maxTasks", n, strings.Join(short, ", "), fewest)
}

// checkEmails refuses an empty or too long list, anything that is not a plain
// address, and an address listed twice: each alarm address is an SNS
// subscription named after it (infra/alerts.go), so a second one would be a
// duplicate resource; mailbox names are compared without case.
func checkEmails(key string, emails []string, most int, allowed string) error {
	var errs []error
	if len(emails) == 0 || len(emails) > most {
		errs = append(errs, errorf(key, "has %d addresses; %s", len(emails), allowed))
	}
	seen := map[string]int{}
	for i, e := range emails {
		addr, err := mail.ParseAddress(e)
		if err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") {
			errs = append(errs, errorf(fmt.Sprintf("%s[%d]", key, i), "%q is not an email address like ops@example.com", e))
		}
		if j, dup := seen[strings.ToLower(e)]; dup {
			errs = append(errs, errorf(fmt.Sprintf("%s[%d]", key, i), "%q is already %s[%d]; list each address once", e, key, j))
		}
		seen[strings.ToLower(e)] = i
	}
	return errors.Join(errs...)
}
