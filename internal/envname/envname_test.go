package envname

import "testing"

func TestLooksSecret(t *testing.T) {
	cases := map[string]bool{
		"API_KEY": true, "DB_PASSWORD": true, "GITHUB_TOKEN": true, "MASTER_KEY": true, "SECRET": true,
		"AWS_SECRET_ACCESS_KEY": true, "ECS_ENGINE_AUTH_DATA": true, "AWS_ACCESS_KEY_ID": true,
		"STRIPE_APIKEY": true, "db_passwd": true, "SIGNING_KEYS": true, "OAUTH_CREDENTIALS": true,
		"MONKEY_COUNT": false, "KEYCLOAK_URL": false, "PORT": false, "NODE_ENV": false,
		"TOKENIZER_MODEL": false, "PASSWORDLESS_LOGIN": false, "DONKEY": false,
	}
	for name, want := range cases {
		if got := LooksSecret(name); got != want {
			t.Errorf("LooksSecret(%q) = %v, want %v", name, got, want)
		}
	}
}
