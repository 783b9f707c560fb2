package config

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestConfigErrorReadsKeyThenMessage(t *testing.T) {
	err := errorf("fargo:services.web.cpu", "%d is not a Fargate CPU size", 300)
	if got, want := err.Error(), "fargo:services.web.cpu: 300 is not a Fargate CPU size"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestConfigErrorsFindsEveryRefusal(t *testing.T) {
	a, b, c := errorf("fargo:a", "x"), errorf("fargo:b", "y"), errorf("fargo:c", "z")
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"one", a, []string{"fargo:a"}},
		{"joined, with nils", errors.Join(a, nil, b), []string{"fargo:a", "fargo:b"}},
		{"joined in joined", errors.Join(a, errors.Join(b, c)), []string{"fargo:a", "fargo:b", "fargo:c"}},
		{"wrapped", fmt.Errorf("plan: %w", b), []string{"fargo:b"}},
		{"not a refusal", errors.New("disk full"), nil},
	} {
		var keys []string
		for _, e := range ConfigErrors(tc.err) {
			keys = append(keys, e.Key)
		}
		if !slices.Equal(keys, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, keys, tc.want)
		}
	}
}

func TestOrList(t *testing.T) {
	for _, c := range []struct {
		items []string
		want  string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a or b"},
		{[]string{"a", "b", "c"}, "a, b or c"},
	} {
		if got := orList(c.items); got != c.want {
			t.Errorf("orList(%q) = %q, want %q", c.items, got, c.want)
		}
	}
}
