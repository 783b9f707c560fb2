// Package cron reads the cron expressions of AWS scheduled actions,
// cron(Minutes Hours Day-of-month Month Day-of-week Year), and finds when they
// fire. It is the one place fargo decides what a schedule means: the config
// validates with it and decides whether a service is asleep now, and the cost
// model weighs tasks by the hours they are awake.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	// Time zone names are checked the same way on every machine.
	_ "time/tzdata"
)

// Field bounds, as AWS documents them.
const (
	minYear = 1970
	maxYear = 2199
)

// Expr is one parsed cron expression.
type Expr struct {
	text    string
	minutes uint64 // bit n: minute n
	hours   uint64
	months  uint64 // bit n: month n (1-12)
	years   [4]uint64
	dom     days
	dow     days
}

// days is a parsed day field. Both fields take ? (any day), plain items and
// lists of them; each takes items of its own beside (dayOfMonth, dayOfWeek).
type days struct {
	any      bool
	set      uint64   // bit n: day n
	last     bool     // Day-of-month L: the month's last day
	lastWork bool     // Day-of-month LW: the month's last weekday
	nearest  []int    // Day-of-month 15W: the weekday nearest the 15th
	lastOf   []int    // Day-of-week 5L: the month's last Thursday
	nth      [][2]int // Day-of-week 3#2 (weekday, n): the month's second Tuesday
}

// dayField is one day field's grammar: what differs between the two.
type dayField struct {
	name  string
	hi    int // the days run 1 to hi
	names []string
	// own reads an item only this field takes, and says whether it was one.
	own func(f dayField, d *days, item string) (bool, error)
}

// dayOfMonth is the Day-of-month field: L, LW and 15W beside plain days.
var dayOfMonth = dayField{name: "day-of-month", hi: 31, own: func(f dayField, d *days, item string) (bool, error) {
	switch {
	case item == "L":
		d.last = true
	case item == "LW":
		d.lastWork = true
	case strings.HasSuffix(item, "W"):
		return true, f.day(strings.TrimSuffix(item, "W"), &d.nearest)
	default:
		return false, nil
	}
	return true, nil
}}

// dayOfWeek is the Day-of-week field (1 = SUN ... 7 = SAT): L alone (SAT), 5L
// and 3#2 beside plain days.
var dayOfWeek = dayField{name: "day-of-week", hi: 7, names: dayNames, own: func(f dayField, d *days, item string) (bool, error) {
	switch {
	case item == "L":
		d.set |= 1 << 7
	case strings.HasSuffix(item, "L"):
		return true, f.day(strings.TrimSuffix(item, "L"), &d.lastOf)
	case strings.Contains(item, "#"):
		day, nth, _ := strings.Cut(item, "#")
		n, err := value(f.name, day, 1, f.hi, f.names)
		if err != nil {
			return true, err
		}
		k, err := strconv.Atoi(nth)
		if err != nil || k < 1 || k > 5 {
			return true, fmt.Errorf("%s field %q asks for occurrence %q; use 1 to 5", f.name, item, nth)
		}
		d.nth = append(d.nth, [2]int{n, k})
	default:
		return false, nil
	}
	return true, nil
}}

// parse reads a day field's text.
func (f dayField) parse(text string) (days, error) {
	if text == "?" {
		return days{any: true}, nil
	}
	var d days
	for _, item := range strings.Split(text, ",") {
		if own, err := f.own(f, &d, item); err != nil {
			return d, err
		} else if own {
			continue
		}
		set, err := plainField(f.name, item, 1, f.hi, f.names)
		if err != nil {
			return d, err
		}
		d.set |= set
	}
	return d, nil
}

// day reads one day of the field and adds it to list.
func (f dayField) day(s string, list *[]int) error {
	n, err := value(f.name, s, 1, f.hi, f.names)
	if err == nil {
		*list = append(*list, n)
	}
	return err
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// Parse reads "cron(M H DoM Mon DoW Y)". Exactly one of the day fields is "?",
// as AWS requires.
func Parse(s string) (*Expr, error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(s), "cron(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return nil, fmt.Errorf("is not a cron expression; write cron(Minutes Hours Day-of-month Month Day-of-week Year), e.g. cron(0 22 ? * MON-FRI *)")
	}
	fields := strings.Fields(strings.TrimSuffix(inner, ")"))
	if len(fields) != 6 {
		return nil, fmt.Errorf("has %d fields; AWS cron has 6: Minutes Hours Day-of-month Month Day-of-week Year, e.g. cron(0 22 ? * MON-FRI *)", len(fields))
	}
	e := &Expr{text: s}
	var err error
	if e.minutes, err = plainField("minutes", fields[0], 0, 59, nil); err != nil {
		return nil, err
	}
	if e.hours, err = plainField("hours", fields[1], 0, 23, nil); err != nil {
		return nil, err
	}
	if e.months, err = plainField("month", fields[3], 1, 12, monthNames); err != nil {
		return nil, err
	}
	if e.years, err = yearField(fields[5]); err != nil {
		return nil, err
	}
	if e.dom, err = dayOfMonth.parse(fields[2]); err != nil {
		return nil, err
	}
	if e.dow, err = dayOfWeek.parse(fields[4]); err != nil {
		return nil, err
	}
	if e.dom.any == e.dow.any {
		return nil, fmt.Errorf("sets %q as day of month and %q as day of week; AWS needs exactly one of them to be ?, e.g. cron(0 22 ? * MON-FRI *) or cron(0 22 1 * ? *)", fields[2], fields[4])
	}
	return e, nil
}

// String is the expression as written.
func (e *Expr) String() string { return e.text }

// plainField reads a field of numbers (or names): *, N, N-M, */S, N/S, N-M/S and
// comma lists of them.
func plainField(name, f string, lo, hi int, names []string) (uint64, error) {
	var set uint64
	for _, part := range strings.Split(f, ",") {
		from, to, err := rangeOf(name, part, lo, hi, names)
		if err != nil {
			return 0, err
		}
		for v := from.start; v <= to; v += from.step {
			set |= 1 << v
		}
	}
	return set, nil
}

// start is the first value of a range item and its step.
type start struct{ start, step int }

// rangeOf reads one item: *, N, N-M, with an optional /S.
func rangeOf(name, item string, lo, hi int, names []string) (start, int, error) {
	base, stepText, stepped := strings.Cut(item, "/")
	step := 1
	if stepped {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 || n > hi-lo+1 {
			return start{}, 0, fmt.Errorf("%s field %q has step %q; use a whole number from 1 to %d", name, item, stepText, hi-lo+1)
		}
		step = n
	}
	if base == "*" {
		return start{lo, step}, hi, nil
	}
	fromText, toText, isRange := strings.Cut(base, "-")
	from, err := value(name, fromText, lo, hi, names)
	if err != nil {
		return start{}, 0, err
	}
	to := from
	if stepped {
		to = hi // N/S runs from N to the field's end
	}
	if isRange {
		if to, err = value(name, toText, lo, hi, names); err != nil {
			return start{}, 0, err
		}
		if to < from {
			return start{}, 0, fmt.Errorf("%s field %q runs backwards; write the smaller value first", name, item)
		}
	}
	return start{from, step}, to, nil
}

// value reads one number or name of a field.
func value(name, s string, lo, hi int, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return lo + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		allowed := fmt.Sprintf("%d-%d", lo, hi)
		if names != nil {
			allowed += " or " + names[0] + "-" + names[len(names)-1]
		}
		return 0, fmt.Errorf("%s field has %q; allowed values are %s", name, s, allowed)
	}
	return v, nil
}

func yearField(f string) ([4]uint64, error) {
	var set [4]uint64
	for _, part := range strings.Split(f, ",") {
		from, to, err := rangeOf("year", part, minYear, maxYear, nil)
		if err != nil {
			return set, err
		}
		for v := from.start; v <= to; v += from.step {
			i := v - minYear
			set[i/64] |= 1 << (i % 64)
		}
	}
	return set, nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// nearestWeekday is the weekday closest to day n of the month, never leaving it.
func nearestWeekday(y int, m time.Month, n int) int {
	last := daysIn(y, m)
	n = min(n, last)
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}

func (e *Expr) dayMatches(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1 // SUN = 1
	if !e.dom.any {
		if e.dom.set&(1<<d) != 0 || (e.dom.last && d == last) {
			return true
		}
		if e.dom.lastWork && d == nearestWeekday(y, m, last) {
			return true
		}
		for _, n := range e.dom.nearest {
			if d == nearestWeekday(y, m, n) {
				return true
			}
		}
		return false
	}
	if e.dow.set&(1<<wd) != 0 {
		return true
	}
	for _, l := range e.dow.lastOf {
		if l == wd && d+7 > last {
			return true
		}
	}
	for _, nk := range e.dow.nth {
		if nk[0] == wd && (d-1)/7+1 == nk[1] {
			return true
		}
	}
	return false
}

func (e *Expr) yearAllowed(y int) bool {
	i := y - minYear
	return i >= 0 && y <= maxYear && e.years[i/64]&(1<<(i%64)) != 0
}

// Matches reports whether the expression fires in t's minute, on t's wall clock.
func (e *Expr) Matches(t time.Time) bool {
	return e.yearAllowed(t.Year()) && e.months&(1<<int(t.Month())) != 0 && e.dayMatches(t.Year(), t.Month(), t.Day()) &&
		e.hours&(1<<t.Hour()) != 0 && e.minutes&(1<<t.Minute()) != 0
}

// Next is the first minute after `after` in which the expression fires, on the
// wall clock of after's location; false when it never fires again.
func (e *Expr) Next(after time.Time) (time.Time, bool) {
	loc := after.Location()
	t := after.Truncate(time.Minute).Add(time.Minute)
	// advance moves to a later wall-clock time, never back (a repeated hour at
	// the end of daylight saving time would otherwise loop).
	advance := func(next time.Time) {
		if next.After(t) {
			t = next
		} else {
			t = t.Add(time.Minute)
		}
	}
	for t.Year() <= maxYear {
		y, m, d := t.Date()
		switch {
		case !e.yearAllowed(y):
			advance(time.Date(y+1, 1, 1, 0, 0, 0, 0, loc))
		case e.months&(1<<int(m)) == 0:
			advance(time.Date(y, m+1, 1, 0, 0, 0, 0, loc))
		case !e.dayMatches(y, m, d):
			advance(time.Date(y, m, d+1, 0, 0, 0, 0, loc))
		case e.hours&(1<<t.Hour()) == 0:
			advance(time.Date(y, m, d, t.Hour()+1, 0, 0, 0, loc))
		case e.minutes&(1<<t.Minute()) == 0:
			advance(t.Add(time.Minute))
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// FirstCommon is the first minute after `after`, on the wall clock of after's
// location, in which both a and b fire; false when they never fire together up
// to the last year AWS accepts. It compares what the expressions mean, not how
// they are written: ? and *, names and numbers, MON-FRI and 2-6 are all alike.
func FirstCommon(a, b *Expr, after time.Time) (time.Time, bool) {
	minutes, hours, months := a.minutes&b.minutes, a.hours&b.hours, a.months&b.months
	if minutes == 0 || hours == 0 || months == 0 {
		return time.Time{}, false
	}
	y, m, d := after.Date()
	// Days are stepped on the civil calendar, where no day lasts 23 or 25 hours.
	for day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); day.Year() <= maxYear; {
		y, m, d := day.Date()
		switch {
		case !a.yearAllowed(y) || !b.yearAllowed(y):
			day = time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
		case months&(1<<int(m)) == 0:
			day = time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
		default:
			if a.dayMatches(y, m, d) && b.dayMatches(y, m, d) {
				if t, ok := firstMinute(y, m, d, hours, minutes, after); ok {
					return t, true
				}
			}
			day = day.AddDate(0, 0, 1)
		}
	}
	return time.Time{}, false
}

// firstMinute is the first minute of the day, among the given hours and
// minutes, that is later than after.
func firstMinute(y int, m time.Month, d int, hours, minutes uint64, after time.Time) (time.Time, bool) {
	for h := 0; h < 24; h++ {
		for mi := 0; mi < 60 && hours&(1<<h) != 0; mi++ {
			if t := time.Date(y, m, d, h, mi, 0, 0, after.Location()); minutes&(1<<mi) != 0 && t.After(after) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// Last is the latest minute at or before t in which the expression fired,
// looking back at most `within`; false when it did not fire in that time.
func (e *Expr) Last(t time.Time, within time.Duration) (time.Time, bool) {
	var last time.Time
	found := false
	for at, ok := e.Next(t.Add(-within - time.Minute)); ok && !at.After(t); at, ok = e.Next(at) {
		last, found = at, true
	}
	return last, found
}

// Step is a recurring scheduled action: each time When fires (on the wall clock
// of Loc), the state becomes State.
type Step struct {
	When  *Expr
	Loc   *time.Location
	State int
}

// lookback bounds the search for the last step: a week covers daily and weekly
// schedules quickly, a year and a day covers the rest.
var lookback = []time.Duration{8 * 24 * time.Hour, 367 * 24 * time.Hour}

// StateAt is the state set by the step that fired last at or before t; false
// when none fired in the year before. Steps firing in the same minute leave the
// state of the one listed last.
func StateAt(steps []Step, t time.Time) (int, bool) {
	for _, within := range lookback {
		var latest time.Time
		state, found := 0, false
		for _, s := range steps {
			if at, ok := s.When.Last(t.In(s.Loc), within); ok && (!found || !at.Before(latest)) {
				latest, state, found = at, s.State, true
			}
		}
		if found {
			return state, true
		}
	}
	return 0, false
}

// ReferenceStart is the first minute (UTC) of the period over which shares of
// time are measured: 52 whole weeks from Monday 4 January 2027, so every day
// of the week counts the same.
var ReferenceStart = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)

// ReferenceWeeks is the reference period's length in weeks.
const ReferenceWeeks = 52

// Shares is the share of the reference period, from midnight on ReferenceStart's
// date in loc, that each state holds. The period starts in the state the
// steps left it in, or in initial when none fired in the year before.
func Shares(steps []Step, loc *time.Location, initial int) map[int]float64 {
	y, m, d := ReferenceStart.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 7*ReferenceWeeks)
	state, ok := StateAt(steps, from)
	if !ok {
		state = initial
	}
	held := map[int]time.Duration{}
	since := from
	for {
		next, nextState, found := to, state, false
		for _, s := range steps {
			if at, ok := s.When.Next(since.In(s.Loc)); ok && at.Before(to) && (!found || !at.After(next)) {
				next, nextState, found = at, s.State, true
			}
		}
		if !found {
			break
		}
		held[state] += next.Sub(since)
		state, since = nextState, next
	}
	held[state] += to.Sub(since)
	out := map[int]float64{}
	for k, v := range held {
		out[k] = float64(v) / float64(to.Sub(from))
	}
	return out
}
