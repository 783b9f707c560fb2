package cron

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var seoul, _ = time.LoadLocation("Asia/Seoul")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, seoul)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"0 22 ? * MON-FRI *", "is not a cron expression"},
		{"rate(5 minutes)", "is not a cron expression"},
		{"cron(0 22 ? * MON-FRI)", "has 5 fields"},
		{"cron(60 22 ? * MON-FRI *)", `minutes field has "60"`},
		{"cron(0 24 ? * * *)", `hours field has "24"`},
		{"cron(0 22 * * MON-FRI *)", "exactly one of them to be ?"},
		{"cron(0 22 ? * ? *)", "exactly one of them to be ?"},
		{"cron(0 22 ? * FRI-MON *)", "runs backwards"},
		{"cron(0 22 ? * MON#6 *)", "occurrence"},
		{"cron(0 22 ? FOO * *)", `month field has "FOO"`},
		{"cron(0 22 32 * ? *)", `day-of-month field has "32"`},
		{"cron(0 22 ? * 8 *)", `day-of-week field has "8"`},
		{"cron(0 22 ? * * 2200)", `year field has "2200"`},
		{"cron(*/0 22 ? * * *)", "has step"},
	} {
		_, err := Parse(c.expr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", c.expr, err, c.want)
		}
	}
}

func TestNext(t *testing.T) {
	for _, c := range []struct{ expr, after, want string }{
		// 2026-11-27 is a Friday.
		{"cron(0 22 ? * MON-FRI *)", "2026-11-27 21:59", "2026-11-27 22:00"},
		{"cron(0 22 ? * MON-FRI *)", "2026-11-27 22:00", "2026-11-30 22:00"},
		{"cron(0 8 ? * MON-FRI *)", "2026-11-27 23:00", "2026-11-30 08:00"},
		{"cron(*/15 9-10 ? * * *)", "2026-11-27 10:50", "2026-11-28 09:00"},
		{"cron(30 6 L * ? *)", "2026-02-01 00:00", "2026-02-28 06:30"},
		{"cron(0 0 15W * ? *)", "2026-08-01 00:00", "2026-08-14 00:00"}, // the 15th is a Saturday
		{"cron(0 0 ? * 6L *)", "2026-11-01 00:00", "2026-11-27 00:00"},  // last Friday
		{"cron(0 0 ? * 2#1 *)", "2026-11-27 00:00", "2026-12-07 00:00"}, // first Monday
		{"cron(0 12 1 JAN,JUL ? 2027)", "2026-11-27 00:00", "2027-01-01 12:00"},
	} {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		got, ok := e.Next(at(c.after))
		if !ok || !got.Equal(at(c.want)) {
			t.Errorf("%s after %s = %v (%v), want %s", c.expr, c.after, got, ok, c.want)
		}
	}
	e, _ := Parse("cron(0 0 1 1 ? 2020)")
	if got, ok := e.Next(at("2026-01-01 00:00")); ok {
		t.Errorf("a schedule in the past fires again at %v", got)
	}
}

func TestAsleepAt(t *testing.T) {
	sleep, _ := Parse("cron(0 22 ? * MON-FRI *)")
	wake, _ := Parse("cron(0 8 ? * MON-FRI *)")
	for _, c := range []struct {
		when   string
		asleep bool
	}{
		{"2026-11-26 12:00", false}, // Thursday noon
		{"2026-11-26 22:00", true},
		{"2026-11-27 07:59", true},
		{"2026-11-27 08:00", false},
		{"2026-11-28 12:00", true}, // Saturday
		{"2026-11-30 08:30", false},
	} {
		if state, _ := StateAt([]Step{{sleep, seoul, 0}, {wake, seoul, 1}}, at(c.when)); (state == 0) != c.asleep {
			t.Errorf("asleep at %s = %v, want %v", c.when, state == 0, c.asleep)
		}
	}
	never, _ := Parse("cron(0 0 1 1 ? 1999)")
	if _, ok := StateAt([]Step{{never, seoul, 0}}, at("2026-11-26 12:00")); ok {
		t.Error("a step that never fired sets a state")
	}
}

func TestShares(t *testing.T) {
	for _, c := range []struct {
		sleep, wake string
		want        float64
	}{
		{"cron(0 22 ? * MON-FRI *)", "cron(0 8 ? * MON-FRI *)", 70.0 / 168}, // 14 h on 5 days
		{"cron(0 20 * * ? *)", "cron(0 8 * * ? *)", 12.0 / 24},
		{"cron(0 0 ? * SAT *)", "cron(0 0 ? * MON *)", 5.0 / 7},
	} {
		sleep, _ := Parse(c.sleep)
		wake, _ := Parse(c.wake)
		if got := Shares([]Step{{sleep, seoul, 0}, {wake, seoul, 1}}, seoul, 1)[1]; got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("awake share of %s / %s = %.6f, want %.6f", c.sleep, c.wake, got, c.want)
		}
	}
}

func TestCronFirstCommon(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{ // want "": never together
		// The same moments however written: names or numbers, ? or *.
		{"cron(0 8 ? * MON-FRI *)", "cron(0 8 ? * 2-6 *)", "2026-11-30 08:00"},
		{"cron(0 8 * * ? *)", "cron(0 8 ? * * *)", "2026-11-28 08:00"},
		{"cron(0 8 ? JAN-DEC * *)", "cron(0 8 1-31 1-12 ? 1970-2199)", "2026-11-28 08:00"},
		// Some moments shared: the state at each of them would be chance.
		{"cron(0/30 8 ? * * *)", "cron(30 8 ? * SUN *)", "2026-11-29 08:30"},
		{"cron(0 8 13 * ? *)", "cron(0 8 ? * FRI *)", "2027-08-13 08:00"}, // Friday the 13th
		{"cron(0 8 L * ? *)", "cron(0 8 ? * 6L *)", "2027-04-30 08:00"},   // the last day is the last Friday
		// Never together.
		{"cron(0 22 ? * MON-FRI *)", "cron(0 8 ? * MON-FRI *)", ""},
		{"cron(0 8 ? * SAT *)", "cron(0 8 ? * SUN *)", ""},
		{"cron(0 8 ? JAN MON *)", "cron(0 8 ? FEB MON *)", ""},
		{"cron(0 8 1 * ? 2027)", "cron(0 8 1 * ? 2028)", ""},
		{"cron(0 8 1 * ? 2020)", "cron(0 8 1 * ? 2020)", ""}, // only in the past
	} {
		a, errA := Parse(c.a)
		b, errB := Parse(c.b)
		if errA != nil || errB != nil {
			t.Fatalf("Parse: %v %v", errA, errB)
		}
		got, ok := FirstCommon(a, b, at("2026-11-27 21:00"))
		switch {
		case c.want == "" && ok:
			t.Errorf("%s and %s fire together at %v", c.a, c.b, got)
		case c.want != "" && (!ok || !got.Equal(at(c.want))):
			t.Errorf("%s and %s first fire together at %v (%v), want %s", c.a, c.b, got, ok, c.want)
		}
	}
}

// TestDayFields pins what each day field's items mean, as the days of one
// month an expression fires on, and which items each field refuses.
func TestDayFields(t *testing.T) {
	// August 2026 starts on a Saturday; May 2026 ends on a Sunday; February 2026 has 28 days.
	for _, c := range []struct {
		expr, month string
		want        []int
	}{
		{"cron(0 0 L,LW,15W,1-3 * ? *)", "2026-08", []int{1, 2, 3, 14, 31}},
		{"cron(0 0 1W * ? *)", "2026-08", []int{3}}, // never before the 1st
		{"cron(0 0 LW * ? *)", "2026-05", []int{29}},
		{"cron(0 0 31W * ? *)", "2026-05", []int{29}}, // never after the last day
		{"cron(0 0 31W * ? *)", "2026-02", []int{27}}, // the 31st of a short month is its last day
		{"cron(0 0 */10 * ? *)", "2026-08", []int{1, 11, 21, 31}},
		{"cron(0 0 ? * L *)", "2026-08", []int{1, 8, 15, 22, 29}}, // L alone is SAT
		{"cron(0 0 ? * 6L *)", "2026-08", []int{28}},
		{"cron(0 0 ? * 2#1,fri#5 *)", "2026-05", []int{4, 29}},
		{"cron(0 0 ? * SUN-TUE/2 *)", "2026-08", []int{2, 4, 9, 11, 16, 18, 23, 25, 30}},
		{"cron(0 0 ? * L,2#1,6L *)", "2026-08", []int{1, 3, 8, 15, 22, 28, 29}},
		{"cron(0 0 ? * 1L,3 *)", "2026-08", []int{4, 11, 18, 25, 30}},
	} {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		first, _ := time.Parse("2006-01", c.month)
		var got []int
		for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
			if e.dayMatches(d.Year(), d.Month(), d.Day()) {
				got = append(got, d.Day())
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s fires in %s on %v, want %v", c.expr, c.month, got, c.want)
		}
	}
	for _, c := range []struct{ expr, want string }{
		{"cron(0 0 W * ? *)", `day-of-month field has ""; allowed values are 1-31`},
		{"cron(0 0 32W * ? *)", `day-of-month field has "32"; allowed values are 1-31`},
		{"cron(0 0 5L * ? *)", `day-of-month field has "5L"; allowed values are 1-31`},
		{"cron(0 0 1#2 * ? *)", `day-of-month field has "1#2"; allowed values are 1-31`},
		{"cron(0 0 ?,1 * ? *)", `day-of-month field has "?"; allowed values are 1-31`},
		{"cron(0 0 l * ? *)", `day-of-month field has "l"; allowed values are 1-31`},
		{"cron(0 0 ? * LW *)", `day-of-week field has "LW"; allowed values are 1-7 or SUN-SAT`},
		{"cron(0 0 ? * 8L *)", `day-of-week field has "8"; allowed values are 1-7 or SUN-SAT`},
		{"cron(0 0 ? * X#1 *)", `day-of-week field has "X"; allowed values are 1-7 or SUN-SAT`},
		{"cron(0 0 ? * MON#0 *)", `day-of-week field "MON#0" asks for occurrence "0"; use 1 to 5`},
		{"cron(0 0 ? * 2#x *)", `day-of-week field "2#x" asks for occurrence "x"; use 1 to 5`},
	} {
		if _, err := Parse(c.expr); err == nil || err.Error() != c.want {
			t.Errorf("Parse(%q) = %v, want %q", c.expr, err, c.want)
		}
	}
}
