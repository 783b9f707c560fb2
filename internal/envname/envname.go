// Package envname decides which environment variable names look like secrets:
// one rule, shared by the configuration (which refuses them in plain
// environment) and the checks (ECS.8, which flag them in any task definition).
package envname

import (
	"slices"
	"strings"
)

// Reserved are the names AWS Security Hub ECS.8 treats as credentials in plain
// text; no declaration makes them plain.
var Reserved = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"}

// secretWords are the words of a name that say it holds a credential.
var secretWords = []string{
	"SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PWD", "PASSPHRASE",
	"TOKEN", "TOKENS", "CREDENTIAL", "CREDENTIALS", "KEY", "KEYS", "APIKEY", "PRIVATEKEY",
}

// PlainLabel is the container Docker label that lists, comma-separated, the
// names a stack declared plain (a service's notSecret), for the checks to honour.
const PlainLabel = "fargo.plain-environment"

// LooksSecret reports whether a name reads as a credential: it is reserved, or one
// of its underscore-separated words is a secret word (API_KEY, DB_PASSWORD,
// GITHUB_TOKEN), while a word that merely contains one (MONKEY_COUNT,
// KEYCLOAK_URL) does not count.
func LooksSecret(name string) bool {
	if slices.Contains(Reserved, name) {
		return true
	}
	for _, word := range strings.Split(strings.ToUpper(name), "_") {
		if slices.Contains(secretWords, word) {
			return true
		}
	}
	return false
}
