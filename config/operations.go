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
	raw, ok := optionalObject(get, key)
	if !ok {
		return nil
	}
	var sc ScheduleConfig
	if err := decodeStrict(key, raw, &sc); err != nil {
		return err
	}
	if sc.AlwaysOn {
		return errorf(key+".alwaysOn", "is for a service's own schedule key; to keep every service awake, leave fargo:schedule unset")
	}
	s, err := newSchedule(key, sc)
	c.Schedule = s
	return err
}

// newSchedule validates a complete schedule: both expressions and the zone.
func newSchedule(key string, sc ScheduleConfig) (*Schedule, error) {
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
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil || s.Timezone == "Local" || !strings.Contains(s.Timezone, "/") && s.Timezone != "UTC" {
		errs = append(errs, errorf(key+".timezone", "%q is not an IANA time zone name like Asia/Seoul, Europe/Berlin or UTC", s.Timezone))
	}
	s.loc = loc
	if s.sleep != nil && s.wake != nil && s.sleep.String() == s.wake.String() {
		errs = append(errs, errorf(key, "sleep and wake are both %s; they must differ", s.Sleep))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
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
			s, err := newSchedule(fullKey("services."+svc.Name+".schedule"), merged)
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
	raw, ok := optionalObject(get, key)
	if !ok {
		return nil
	}
	a := AlarmsConfig{ErrorRatePercent: DefaultErrorRatePercent, UnhealthyTasks: DefaultUnhealthyTasks, EvaluationMinutes: DefaultEvaluationMinutes}
	if err := decodeStrict(key, raw, &a); err != nil {
		return err
	}
	errs := []error{checkEmails(key+".emails", a.Emails, 10, "give 1 to 10")}
	if a.ErrorRatePercent <= 0 || a.ErrorRatePercent > 100 {
		errs = append(errs, errorf(key+".errorRatePercent", "%v is not allowed; give a percentage of requests above 0 and at most 100", a.ErrorRatePercent))
	}
	if a.UnhealthyTasks < 1 || a.UnhealthyTasks > 1000 {
		errs = append(errs, errorf(key+".unhealthyTasks", "%d is not allowed; use 1 to 1000", a.UnhealthyTasks))
	}
	// CloudWatch evaluates at most a day of one-minute periods.
	if a.EvaluationMinutes < 1 || a.EvaluationMinutes > 1440 {
		errs = append(errs, errorf(key+".evaluationMinutes", "%d is not allowed; use 1 to 1440 (a day)", a.EvaluationMinutes))
	}
	c.Alarms = &a
	return errors.Join(errs...)
}

// checkEmails refuses an empty or too long list and anything that is not a
// plain address.
func checkEmails(key string, emails []string, most int, allowed string) error {
	var errs []error
	if len(emails) == 0 || len(emails) > most {
		errs = append(errs, errorf(key, "has %d addresses; %s", len(emails), allowed))
	}
	for i, e := range emails {
		addr, err := mail.ParseAddress(e)
		if err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") {
			errs = append(errs, errorf(fmt.Sprintf("%s[%d]", key, i), "%q is not an email address like ops@example.com", e))
		}
	}
	return errors.Join(errs...)
}
