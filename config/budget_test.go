package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseBudgetTyped(t *testing.T) {
	for _, c := range []struct {
		name, raw string // raw "" leaves fargo:budget unset
		want      *BudgetConfig
	}{
		{"unset: no budget", "", nil},
		{"empty: no budget", `{}`, nil},
		{"whole dollars", `{"monthlyLimit":50,"emails":["ops@example.com"]}`, &BudgetConfig{MonthlyLimit: 50, Emails: []string{"ops@example.com"}}},
		{"cents", `{"monthlyLimit":25.75,"emails":["a@example.com","b@example.com"]}`, &BudgetConfig{MonthlyLimit: 25.75, Emails: []string{"a@example.com", "b@example.com"}}},
		{"the most", `{"monthlyLimit":1000000,"emails":["ops@example.com"]}`, &BudgetConfig{MonthlyLimit: 1000000, Emails: []string{"ops@example.com"}}},
	} {
		values := map[string]string{}
		if c.raw != "" {
			values["fargo:budget"] = c.raw
		}
		var cfg Config
		if err := cfg.parseBudget(stackFile(values)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if !reflect.DeepEqual(cfg.Budget, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, cfg.Budget, c.want)
		}
	}
}

func TestParseBudgetRefusals(t *testing.T) {
	const email = `"emails":["ops@example.com"]`
	eleven := `"emails":["a@example.com"` + strings.Repeat(`,"a@example.com"`, 10) + `]`
	for _, c := range []struct {
		name, raw string
		want      []refusal
	}{
		{"zero", `{"monthlyLimit":0,` + email + `}`, []refusal{{key: "fargo:budget.monthlyLimit",
			msg: "0 is not allowed; give a monthly amount in USD above 0 and at most 1000000"}}},
		{"negative", `{"monthlyLimit":-5,` + email + `}`, []refusal{{key: "fargo:budget.monthlyLimit", says: []string{"-5 is not allowed", "above 0"}}}},
		{"too much", `{"monthlyLimit":2000000,` + email + `}`, []refusal{{key: "fargo:budget.monthlyLimit", says: []string{"2000000 is not allowed", "at most 1000000"}}}},
		{"a fraction of a cent", `{"monthlyLimit":10.005,` + email + `}`, []refusal{{key: "fargo:budget.monthlyLimit",
			msg: "10.005 has more than 2 decimals; give USD in whole cents, e.g. 10.01"}}},
		{"rounds to nothing", `{"monthlyLimit":0.004,` + email + `}`, []refusal{{key: "fargo:budget.monthlyLimit",
			msg: "0.004 has more than 2 decimals; give USD in whole cents, e.g. 0.01"}}},
		{"no address", `{"monthlyLimit":10,"emails":[]}`, []refusal{{key: "fargo:budget.emails",
			msg: "has 0 addresses; give 1 to 10 (AWS Budgets' limit per alert)"}}},
		{"eleven addresses", `{"monthlyLimit":10,` + eleven + `}`, []refusal{
			{key: "fargo:budget.emails", msg: "has 11 addresses; give 1 to 10 (AWS Budgets' limit per alert)"},
			{key: "fargo:budget.emails[1]"}, {key: "fargo:budget.emails[2]"}, {key: "fargo:budget.emails[3]"}, {key: "fargo:budget.emails[4]"},
			{key: "fargo:budget.emails[5]"}, {key: "fargo:budget.emails[6]"}, {key: "fargo:budget.emails[7]"}, {key: "fargo:budget.emails[8]"},
			{key: "fargo:budget.emails[9]"}, {key: "fargo:budget.emails[10]", says: []string{"list each address once"}},
		}},
		{"not an address", `{"monthlyLimit":10,"emails":["not-an-address"]}`, []refusal{{key: "fargo:budget.emails[0]",
			msg: `"not-an-address" is not an email address like ops@example.com`}}},
		{"an address twice", `{"monthlyLimit":10,"emails":["a@example.com","A@example.com"]}`, []refusal{{key: "fargo:budget.emails[1]",
			msg: `"A@example.com" is already fargo:budget.emails[0]; list each address once`}}},
		{"amount as text", `{"monthlyLimit":"10",` + email + `}`, []refusal{{key: "fargo:budget.monthlyLimit", msg: "is a string, expected a number"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			wantRefusals(t, cfg.parseBudget(stackFile(map[string]string{"fargo:budget": c.raw})), c.want...)
		})
	}
}

func TestWholeCents(t *testing.T) {
	for _, c := range []struct {
		usd  float64
		want bool
	}{
		{10, true},
		{10.5, true},
		{10.05, true},
		{0.1 + 0.2, true}, // 0.30000000000000004: float noise, not a fraction of a cent
		{10.005, false},
		{0.004, false},
	} {
		if got := wholeCents(c.usd); got != c.want {
			t.Errorf("wholeCents(%v) = %v, want %v", c.usd, got, c.want)
		}
	}
}
