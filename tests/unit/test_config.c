/* Unit tests for config: sources, precedence, spellings, validation. */
#include "config.h"
#include "capture.h"
#include "github.h"
#include "log.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static struct config cfg;

/* Load from a NULL-terminated argv list ("gitops-bump" is prepended). */
static char *argv_store[32];

static int load_v(const char **args)
{
	char *argv[32];
	int argc = 0;

	for (int i = 0; i < 32; i++) {
		free(argv_store[i]);
		argv_store[i] = NULL;
	}
	argv_store[argc++] = strdup("gitops-bump");
	while (*args && argc < 31)
		argv_store[argc++] = strdup(*args++);
	memcpy(argv, argv_store, sizeof(argv));
	argv[argc] = NULL;
	config_release(&cfg);
	log_reset();
	return config_load(&cfg, argc, argv);
}

#define LOAD(...) load_v((const char *[]){ __VA_ARGS__, NULL })

static void env_reset(void)
{
	clearenv();
	setenv("INPUT_TOKEN", "ghs_unit0123456789", 1);
}

static void test_sources_and_spellings(void)
{
	env_reset();
	setenv("INPUT_REPOSITORY", "org/gitops", 1);
	setenv("INPUT_EVENT-TYPE", "from-hyphen", 1);
	setenv("INPUT_EVENT_TYPE", "from-underscore", 1);
	setenv("INPUT_CLIENT_PAYLOAD", "{\"team\":\"a\"}", 1);
	setenv("INPUT_DRY-RUN", "true", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_INT(cfg.mode, MODE_DISPATCH);
	CHECK_STR(config_str(&cfg, IN_EVENT_TYPE), "from-hyphen");
	CHECK_STR(config_str(&cfg, IN_CLIENT_PAYLOAD), "{\"team\":\"a\"}");
	CHECK(config_bool(&cfg, IN_DRY_RUN));
	CHECK(config_given(&cfg, IN_EVENT_TYPE));
	CHECK_STR(config_str(&cfg, IN_MODE), "dispatch");

	/* the underscore spelling alone is enough */
	unsetenv("INPUT_EVENT-TYPE");
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_EVENT_TYPE), "from-underscore");

	/* a flag wins over the environment; --name=value works */
	CHECK_QUIET_OK(LOAD("dispatch", "--event-type", "from-flag", "--service=svc"));
	CHECK_STR(config_str(&cfg, IN_EVENT_TYPE), "from-flag");
	CHECK_STR(config_str(&cfg, IN_SERVICE), "svc");

	/* defaults, and "given" only for what the user set */
	CHECK_INT(config_int(&cfg, IN_MAX_ATTEMPTS), 5);
	CHECK_INT(config_int(&cfg, IN_TIMEOUT), 120);
	CHECK(!config_given(&cfg, IN_MAX_ATTEMPTS));
	CHECK_STR(config_str(&cfg, IN_API_URL), "https://api.github.com");
	CHECK(config_str(&cfg, IN_IMAGE) == NULL);
	setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_API_URL), "https://ghe.example.com/api/v3");
	setenv("INPUT_API-URL", "http://127.0.0.1:9", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_API_URL), "http://127.0.0.1:9");

	/* the mode from INPUT_MODE when argv has none */
	setenv("INPUT_MODE", "dispatch", 1);
	CHECK_QUIET_OK(LOAD("--service", "x"));
	CHECK_INT(cfg.mode, MODE_DISPATCH);
	CHECK_STR(config_str(&cfg, IN_SERVICE), "x");
}

static void test_trimming_and_lines(void)
{
	char **lines;
	size_t n;

	env_reset();
	/* a `with:` block scalar ends in a newline; getInput trims */
	setenv("INPUT_REPOSITORY", "  org/a\n\n  org/b  \r\n", 1);
	setenv("INPUT_SERVICE", "  svc\n", 1);
	setenv("INPUT_ENVIRONMENT", " \n ", 1); /* blank: unset */
	setenv("INPUT_MAX-ATTEMPTS", " 3\n", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_SERVICE), "svc");
	CHECK(config_str(&cfg, IN_ENVIRONMENT) == NULL);
	CHECK(!config_given(&cfg, IN_ENVIRONMENT));
	CHECK_INT(config_int(&cfg, IN_MAX_ATTEMPTS), 3);
	lines = config_lines(&cfg, IN_REPOSITORY, &n);
	CHECK_INT(n, 2);
	CHECK_STR(lines[0], "org/a");
	CHECK_STR(lines[1], "org/b");
	CHECK(lines[2] == NULL);
	config_lines_free(lines);

	/* a repeated flag adds lines to a `lines` input */
	CHECK_QUIET_OK(LOAD("dispatch", "--repository", "o/one", "--repository", "o/two"));
	lines = config_lines(&cfg, IN_REPOSITORY, &n);
	CHECK_INT(n, 2);
	CHECK_STR(lines[1], "o/two");
	config_lines_free(lines);

	lines = config_lines(&cfg, IN_IMAGE, &n);
	CHECK_INT(n, 0);
	CHECK(lines && lines[0] == NULL);
	config_lines_free(lines);
}

static void test_bools(void)
{
	env_reset();
	setenv("INPUT_REPOSITORY", "o/r", 1);
	CHECK_QUIET_OK(LOAD("dispatch", "--dry-run"));
	CHECK(config_bool(&cfg, IN_DRY_RUN));
	CHECK_QUIET_OK(LOAD("dispatch", "--dry-run", "--strict"));
	CHECK(config_bool(&cfg, IN_DRY_RUN) && config_bool(&cfg, IN_STRICT));
	CHECK_QUIET_OK(LOAD("dispatch", "--dry-run", "false"));
	CHECK(!config_bool(&cfg, IN_DRY_RUN));
	CHECK_QUIET_OK(LOAD("dispatch", "--dry-run=True"));
	CHECK(config_bool(&cfg, IN_DRY_RUN));
	setenv("INPUT_STRICT", "FALSE", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK(!config_bool(&cfg, IN_STRICT));
	setenv("INPUT_STRICT", "maybe", 1);
	CHECK_FAILS(LOAD("dispatch"), "input 'strict' must be true or false, not 'maybe'");
}

static void test_usage_errors(void)
{
	env_reset();
	setenv("INPUT_REPOSITORY", "o/r", 1);
	CHECK_FAILS(LOAD("deploy"), "unknown mode 'deploy'");
	CHECK_FAILS(LOAD("--service", "x"), "no mode given");
	setenv("INPUT_MODE", "edit", 1);
	CHECK_FAILS(load_v((const char *[]){ NULL }),
		    "input 'mode' must be 'dispatch', 'patch' or 'land', not 'edit'");
	/* mode land reads the receiver's feedback inputs, not its edits */
	setenv("INPUT_MODE", "land", 1);
	CHECK_QUIET_OK(load_v((const char *[]){ NULL }));
	CHECK_INT(cfg.mode, MODE_LAND);
	unsetenv("INPUT_MODE");
	CHECK_QUIET_OK(LOAD("land", "--argocd-timeout", "30", "--allowed-sources", "o/*"));
	CHECK(config_int(&cfg, IN_ARGOCD_TIMEOUT) == 30);
	CHECK_FAILS(LOAD("land", "--manifest", "x"), "option '--manifest' does not apply to mode 'land'");
	CHECK_FAILS(LOAD("land", "--argocd-timeout", "0"), "input 'argocd-timeout' must be a whole number");
	CHECK_FAILS(LOAD("dispatch", "--nope", "x"), "unknown option '--nope'");
	CHECK_FAILS(LOAD("dispatch", "stray"), "unexpected argument 'stray'");
	CHECK_FAILS(LOAD("dispatch", "--manifest", "x"), "option '--manifest' does not apply to mode 'dispatch'");
	CHECK_FAILS(LOAD("dispatch", "--service"), "option '--service' needs a value");
	CHECK_FAILS(LOAD("dispatch", "--token", "t"), "set GITHUB_TOKEN");
	CHECK_FAILS(LOAD("dispatch", "--max-attempts", "0"), "must be a whole number from 1 to 100, not '0'");
	CHECK_FAILS(LOAD("dispatch", "--timeout", "12s"), "input 'timeout' must be a whole number");
	CHECK_FAILS(LOAD("dispatch", "--client-payload", "[1]"), "must be a JSON object");
	CHECK_FAILS(LOAD("dispatch", "--client-payload", "{\"a\":1} x"), "is not valid JSON (at byte 9)");
	CHECK_FAILS(LOAD("dispatch", "--client-payload", "{\"a\":"), "is not valid JSON");

	/* required inputs */
	unsetenv("INPUT_REPOSITORY");
	CHECK_FAILS(LOAD("dispatch"), "input 'repository' is required in mode 'dispatch'");
	CHECK_FAILS(LOAD("dispatch", "--repository", " "), "input 'repository' is required");
}

static void test_token(void)
{
	const char *err;

	env_reset();
	setenv("INPUT_REPOSITORY", "o/r", 1);
	unsetenv("INPUT_TOKEN");
	CHECK_FAILS(LOAD("dispatch"), "no token: set the 'token' input");
	CHECK_QUIET_OK(LOAD("dispatch", "--dry-run"));
	CHECK(config_str(&cfg, IN_TOKEN) == NULL);

	setenv("GH_TOKEN", "gh_token_value", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_TOKEN), "gh_token_value");
	setenv("GITHUB_TOKEN", "github_token_value", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_TOKEN), "github_token_value");
	setenv("INPUT_TOKEN", "input_token_value\n", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_STR(config_str(&cfg, IN_TOKEN), "input_token_value");

	/* the article's user:token form is refused, and neither part printed */
	setenv("INPUT_TOKEN", "someuser:ghp_articleStyleToken123", 1);
	capture_begin();
	CHECK_INT(LOAD("dispatch"), -1);
	err = capture_end();
	CHECK(strstr(err, "the token has the form 'user:token'") != NULL);
	CHECK(strstr(err, "ghp_articleStyleToken123") == NULL);
	/* ... and the secret part is masked for whatever prints later */
	{
		char *r = log_redact("x ghp_articleStyleToken123", 26, NULL);

		CHECK_STR(r, "x ***");
		free(r);
	}
	setenv("INPUT_TOKEN", "ghp_two words", 1);
	CHECK_FAILS(LOAD("dispatch"), "the token contains white space");
}

static void test_special_words(void)
{
	env_reset();
	CHECK_QUIET_OK(LOAD("--help"));
	CHECK_INT(cfg.mode, MODE_HELP);
	CHECK_QUIET_OK(LOAD("dispatch", "--repository", "o/r", "--help"));
	CHECK_INT(cfg.mode, MODE_HELP);
	CHECK_QUIET_OK(LOAD("--version"));
	CHECK_INT(cfg.mode, MODE_VERSION);
	CHECK_QUIET_OK(LOAD("dispatch", "--version"));
	CHECK_INT(cfg.mode, MODE_VERSION);
	CHECK_QUIET_OK(LOAD("--list-inputs"));
	CHECK_INT(cfg.mode, MODE_INPUTS);
	CHECK_QUIET_OK(LOAD("edit", "f.yaml", "--set", "a=b"));
	CHECK_INT(cfg.mode, MODE_EDIT);
	CHECK_INT(cfg.edit_argc, 4);
	CHECK_STR(cfg.edit_argv[0], "edit");
	CHECK_STR(cfg.edit_argv[3], "a=b");
	CHECK(cfg.edit_argv[4] == NULL);
	CHECK_STR(config_name(IN_EVENT_TYPE), "event-type");
	CHECK_STR(config_name(IN_CLIENT_PAYLOAD), "client-payload");
}

static void test_unknown_input_warns(void)
{
	env_reset();
	setenv("INPUT_REPOSITORY", "o/r", 1);
	setenv("INPUT_EVNET-TYPE", "typo", 1);
	CAPTURED(LOAD("dispatch"), 0, "warning: unknown input 'INPUT_EVNET-TYPE' ignored");
	unsetenv("INPUT_EVNET-TYPE");
	setenv("input_dry-run", "x", 1); /* not an INPUT_ variable at all */
	CHECK_QUIET_OK(LOAD("dispatch"));
	setenv("INPUT_dry_RUN", "true", 1); /* any case, either separator: known */
	CHECK_QUIET_OK(LOAD("dispatch"));
}

/* The one client every mode opens is made of these inputs. */
static void test_client(void)
{
	struct gh_client *gh = NULL;

	env_reset();
	setenv("INPUT_REPOSITORY", "o/r", 1);
	setenv("INPUT_API-URL", "http://127.0.0.1:9", 1);
	setenv("INPUT_MAX-ATTEMPTS", "7", 1);
	setenv("INPUT_TIMEOUT", "30", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_QUIET_OK(config_client_new(&gh, &cfg));
	CHECK(gh != NULL);
	if (gh) {
		CHECK_INT(gh_max_attempts(gh), 7);
		CHECK(gh_remaining(gh) > 29 && gh_remaining(gh) <= 30);
		CHECK_INT(gh_request_count(gh), 0);
		gh_client_free(gh);
	}
	/* the token goes over plain http only to loopback: gh_client_new says so */
	gh = NULL;
	setenv("INPUT_API-URL", "http://example.com", 1);
	CHECK_QUIET_OK(LOAD("dispatch"));
	CHECK_FAILS(config_client_new(&gh, &cfg), "example.com");
	CHECK(gh == NULL);
}

int main(void)
{
	log_set_style(LOG_PLAIN);
	test_sources_and_spellings();
	test_trimming_and_lines();
	test_bools();
	test_usage_errors();
	test_token();
	test_special_words();
	test_unknown_input_warns();
	test_client();
	config_release(&cfg);
	log_reset();
	for (int i = 0; i < 32; i++)
		free(argv_store[i]);
	return t_done();
}
