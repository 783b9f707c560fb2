package config

import (
	"errors"
	"math"
	"strconv"
)

// BudgetConfig is fargo:budget.
type BudgetConfig struct {
	// MonthlyLimit is the monthly cost budget in USD.
	MonthlyLimit float64 `json:"monthlyLimit"`
	// Emails receive the alerts.
	Emails []string `json:"emails"`
}

// wholeCents reports whether an amount of dollars has at most 2 decimals.
func wholeCents(usd float64) bool {
	return math.Abs(usd*100-math.Round(usd*100)) < 1e-6
}

func (c *Config) parseBudget(get func(string) (string, bool)) error {
	key := fullKey("budget")
	b, err := decodeOptional(get, key, BudgetConfig{})
	if b == nil || err != nil {
		return err
	}
	errs := []error{checkEmails(key+".emails", b.Emails, 10, "give 1 to 10 (AWS Budgets' limit per alert)")}
	switch {
	case b.MonthlyLimit <= 0 || b.MonthlyLimit > 1_000_000:
		errs = append(errs, errorf(key+".monthlyLimit", "%s is not allowed; give a monthly amount in USD above 0 and at most 1000000", strconv.FormatFloat(b.MonthlyLimit, 'f', -1, 64)))
	case !wholeCents(b.MonthlyLimit):
		// The budget's limit is written in whole cents (infra/budget.go formats
		// AWS Budgets' Spend amount with 2 decimals), so a finer amount would be
		// rounded to one nobody asked for: 0.004 even to 0.00, which is refused above.
		errs = append(errs, errorf(key+".monthlyLimit", "%s has more than 2 decimals; give USD in whole cents, e.g. %.2f", strconv.FormatFloat(b.MonthlyLimit, 'f', -1, 64), math.Ceil(b.MonthlyLimit*100)/100))
	}
	c.Budget = b
	return errors.Join(errs...)
}
