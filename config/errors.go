package config

import (
	"fmt"
	"strings"
)

// ConfigError is a configuration value the program refuses.
type ConfigError struct {
	// Key is the full config key and path, e.g. fargo:services.backend.cpu.
	Key string
	// Msg says what is wrong and what is allowed.
	Msg string
}

// Error reads "key: message", the one line the user sees.
func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

// ConfigErrors lists every ConfigError in err, which ParseConfig joins so that a
// stack file's mistakes are reported all at once.
func ConfigErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(e error) {
		switch u := e.(type) {
		case nil:
		case *ConfigError:
			out = append(out, u)
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

func errorf(key, format string, args ...any) error {
	return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// orList writes the allowed values of an error as a reader would: "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
