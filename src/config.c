/* config: see config.h for the contract. */
#include "config.h"

#include "argocd.h"
#include "buf.h"
#include "github.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M_DISPATCH (1u << MODE_DISPATCH)
#define M_PATCH    (1u << MODE_PATCH)
#define M_BOTH     (M_DISPATCH | M_PATCH)
#define M_LAND     (1u << MODE_LAND)

#define CONFIG_VALUE_MAX ((size_t)1 << 20) /* 1 MiB per input */

enum input_type { T_STR, T_BOOL, T_INT, T_LINES, T_JSON };

struct input_def {
	const char *name;
	unsigned modes;
	enum input_type type;
	const char *def;   /* default, or NULL */
	long min, max;     /* T_INT bounds */
	const char *help;
};

/* The table.  Same order as enum input.  Defaults here are the binary's;
 * action.yml declares the same names and the same defaults, or '' for the
 * inputs whose default depends on the payload (tests check both). */
static const struct input_def inputs[IN__COUNT] = {
	[IN_MODE] = { "mode", M_BOTH | M_LAND, T_STR, NULL, 0, 0,
		"what to do: 'dispatch' (app repo), 'patch' (GitOps repo) or 'land' (GitOps repo, "
		"a closed pull request)" },
	[IN_TOKEN] = { "token", M_BOTH | M_LAND, T_STR, NULL, 0, 0,
		"GitHub token (else GITHUB_TOKEN, GH_TOKEN); never a CLI flag" },
	[IN_API_URL] = { "api-url", M_BOTH | M_LAND, T_STR, NULL, 0, 0,
		"REST API base URL (else GITHUB_API_URL, else https://api.github.com)" },
	[IN_MAX_ATTEMPTS] = { "max-attempts", M_BOTH | M_LAND, T_INT, "5", 1, 100,
		"attempts per request, and per commit on conflicts" },
	[IN_TIMEOUT] = { "timeout", M_BOTH | M_LAND, T_INT, "120", 1, 86400,
		"total time budget in seconds for all requests and waits" },
	[IN_DRY_RUN] = { "dry-run", M_BOTH | M_LAND, T_BOOL, "false", 0, 0,
		"show what would be sent or committed, change nothing" },
	[IN_STRICT] = { "strict", M_DISPATCH, T_BOOL, "false", 0, 0,
		"fail instead of skipping events that are not deploys (tag pushes, deletions, fork runs)" },
	[IN_REPOSITORY] = { "repository", M_BOTH, T_LINES, NULL, 0, 0,
		"dispatch: the GitOps repo(s), one per line; patch: the repo to commit to (default: this one)" },
	[IN_EVENT_TYPE] = { "event-type", M_DISPATCH, T_STR, NULL, 0, 0,
		"repository_dispatch event type (default: the service)" },
	[IN_SERVICE] = { "service", M_DISPATCH, T_STR, NULL, 0, 0,
		"service name (default: the source repository's name)" },
	[IN_ENVIRONMENT] = { "environment", M_DISPATCH, T_STR, NULL, 0, 0,
		"target environment (default: the pushed branch)" },
	[IN_CLIENT_PAYLOAD] = { "client-payload", M_DISPATCH, T_JSON, NULL, 0, 0,
		"a JSON object merged into the payload" },
	[IN_IMAGE] = { "image", M_BOTH, T_STR, NULL, 0, 0,
		"dispatch: image reference to send; patch: image reference template, set "
		"wherever its repository is (workloads, kustomize, Helm values, Argo CD)" },
	[IN_ENVIRONMENTS] = { "environments", M_PATCH, T_STR, "sandbox,qa,master", 0, 0,
		"allowed environments, comma or newline separated" },
	[IN_ALLOWED_SOURCES] = { "allowed-sources", M_PATCH | M_LAND, T_LINES, NULL, 0, 0,
		"source repositories allowed to trigger a deploy (default: any)" },
	[IN_MANIFEST] = { "manifest", M_PATCH, T_LINES,
		"{service}/{environment}/{environment}-deploy.yaml", 0, 0,
		"manifest path template(s), one per line" },
	[IN_SET] = { "set", M_PATCH, T_LINES, NULL, 0, 0,
		"edits, one 'PATH=TEMPLATE' per line (a bool, int or float keeps its type; "
		"PATH:=TEMPLATE: typed; PATH=\"TEMPLATE\": a string)" },
	[IN_MARKER] = { "marker", M_PATCH, T_STR, "lastCommitMsg", 0, 0,
		"replace the text between <NAME> and </NAME> when the file has it" },
	[IN_VALUE] = { "value", M_PATCH, T_STR, "{time} {repository}@{short_sha}: {subject}", 0, 0,
		"template for the marker text and the revision annotation" },
	[IN_CONTAINER] = { "container", M_PATCH, T_STR, NULL, 0, 0,
		"only the workload container of this name gets the image (default: every "
		"container of the image's repository)" },
	[IN_BRANCH] = { "branch", M_PATCH, T_STR, NULL, 0, 0,
		"branch template to commit to (default: the run's branch)" },
	[IN_COMMIT] = { "commit", M_PATCH, T_BOOL, "true", 0, 0,
		"commit through the API; false: only edit the file in GITHUB_WORKSPACE" },
	[IN_COMMIT_MESSAGE] = { "commit-message", M_PATCH, T_STR,
		"Deploy {service} to {environment}: {repository}@{short_sha}\n\n{subject}", 0, 0,
		"commit message template" },
	[IN_COMMIT_AUTHOR] = { "commit-author", M_PATCH, T_STR, NULL, 0, 0,
		"'Name <email>' for author and committer (default: none, so commits are Verified)" },
	[IN_PULL_REQUEST] = { "pull-request", M_PATCH, T_BOOL, "false", 0, 0,
		"commit to a new branch and open a pull request" },
	[IN_PR_TITLE] = { "pull-request-title", M_PATCH, T_STR,
		"Deploy {service} to {environment} ({short_sha})", 0, 0,
		"pull request title template" },
	[IN_PR_BODY] = { "pull-request-body", M_PATCH, T_STR,
		"Automated deploy of `{service}` to `{environment}` from {repository}@{sha}.\n\n{message}", 0, 0,
		"pull request body template" },
	[IN_APP_ID] = { "app-id", M_BOTH | M_LAND, T_STR, NULL, 0, 0,
		"GitHub App id (or client id): mint a token per repository instead of 'token'" },
	[IN_PRIVATE_KEY] = { "private-key", M_BOTH | M_LAND, T_STR, NULL, 0, 0,
		"the App's private key (PEM, PKCS#1 or PKCS#8); never a CLI flag" },
	[IN_VIA] = { "via", M_DISPATCH, T_STR, "repository_dispatch", 0, 0,
		"repository_dispatch (Contents write) or workflow_dispatch (Actions write only)" },
	[IN_WORKFLOW] = { "workflow", M_DISPATCH, T_STR, NULL, 0, 0,
		"via workflow_dispatch: the receiving workflow's file name (deploy.yml)" },
	[IN_REQUIRE_VERIFIED] = { "require-verified", M_PATCH, T_BOOL, "false", 0, 0,
		"fail (and open no pull request) when the commit is not Verified" },
	[IN_ROLLBACK] = { "rollback", M_DISPATCH, T_BOOL, "false", 0, 0,
		"mark this deploy a deliberate rollback (an older commit, on purpose)" },
	[IN_PROVENANCE] = { "provenance", M_DISPATCH, T_BOOL, "false", 0, 0,
		"send the run's OIDC ID token (needs permissions: id-token: write)" },
	[IN_ALLOW_ROLLBACK] = { "allow-rollback", M_PATCH, T_BOOL, "true", 0, 0,
		"honour a sender's 'rollback: true' (false: refuse rollbacks)" },
	[IN_REQUIRE_PROVENANCE] = { "require-provenance", M_PATCH, T_BOOL, "false", 0, 0,
		"refuse a dispatch without a valid OIDC ID token from its source" },
	[IN_OIDC_ISSUER] = { "oidc-issuer", M_PATCH, T_STR,
		"https://token.actions.githubusercontent.com", 0, 0,
		"the OIDC issuer of the ID tokens (GHES: https://HOST/_services/token)" },
	[IN_ALLOWED_WORKFLOWS] = { "allowed-workflows", M_PATCH, T_LINES, NULL, 0, 0,
		"with require-provenance: the sender workflows allowed (owner/repo/.github/workflows/f.yml@refs/heads/b, globs)" },
	[IN_DEPLOYMENT] = { "deployment", M_DISPATCH, T_BOOL, "false", 0, 0,
		"create a GitHub Deployment of the pushed commit in the app repo and send its id" },
	[IN_DEPLOYMENT_TOKEN] = { "deployment-token", M_BOTH | M_LAND, T_STR, NULL, 0, 0,
		"token for the app repo's deployments (dispatch: default GITHUB_TOKEN; patch: post statuses when set)" },
	[IN_WAIT] = { "wait", M_DISPATCH, T_BOOL, "false", 0, 0,
		"wait until the deployment ends in success, failure or error; fail unless success" },
	[IN_WAIT_TIMEOUT] = { "wait-timeout", M_DISPATCH, T_INT, "900", 1, 86400,
		"seconds to wait for the deployment's final state" },
	[IN_ARGOCD_SERVER] = { "argocd-server", M_PATCH | M_LAND, T_STR, NULL, 0, 0,
		"Argo CD server URL: after committing (land: the merge), wait until it runs that commit "
		"Synced and Healthy" },
	[IN_ARGOCD_TOKEN] = { "argocd-token", M_PATCH | M_LAND, T_STR, NULL, 0, 0,
		"Argo CD API token (an account that may get the application)" },
	[IN_ARGOCD_APPLICATION] = { "argocd-application", M_PATCH | M_LAND, T_STR, "{service}-{environment}", 0, 0,
		"Argo CD application name template" },
	[IN_ARGOCD_NAMESPACE] = { "argocd-namespace", M_PATCH | M_LAND, T_STR, NULL, 0, 0,
		"namespace of the Argo CD application (default: Argo CD's own)" },
	[IN_ARGOCD_TIMEOUT] = { "argocd-timeout", M_PATCH | M_LAND, T_INT, "600", 1, 86400,
		"seconds to wait for Argo CD" },
	[IN_ARGOCD_CA_FILE] = { "argocd-ca-file", M_PATCH | M_LAND, T_STR, NULL, 0, 0,
		"CA certificates (PEM) added to the default bundle to verify the Argo CD server" },
};

/* Secrets: never a CLI flag, masked before anything is printed, wiped. */
static bool is_secret(int in)
{
	return in == IN_TOKEN || in == IN_DEPLOYMENT_TOKEN || in == IN_ARGOCD_TOKEN ||
	       in == IN_PRIVATE_KEY;
}

/* The inputs whose default depends on the payload (see config.h): '' in
 * action.yml, the binary's default chosen once the payload is read. */
static const bool by_payload[IN__COUNT] = {
	[IN_VALUE] = true,
	[IN_COMMIT_MESSAGE] = true,
	[IN_PR_TITLE] = true,
	[IN_PR_BODY] = true,
};

/* Inputs a mode cannot do without (a usage error when unset).  The token is
 * checked on its own: a dry run does not need one. */
static const unsigned required[IN__COUNT] = {
	[IN_REPOSITORY] = M_DISPATCH,
};

static const char *mode_names[] = {
	[MODE_DISPATCH] = "dispatch",
	[MODE_PATCH] = "patch",
	[MODE_EDIT] = "edit",
	[MODE_LAND] = "land",
};

const char *config_name(enum input in)
{
	return inputs[in].name;
}

const char *config_str(const struct config *cfg, enum input in)
{
	return cfg->values[in];
}

bool config_bool(const struct config *cfg, enum input in)
{
	return cfg->bools[in];
}

long config_int(const struct config *cfg, enum input in)
{
	return cfg->ints[in];
}

bool config_given(const struct config *cfg, enum input in)
{
	return cfg->from_user[in];
}

void config_release(struct config *cfg)
{
	for (int i = 0; i < IN__COUNT; i++) {
		if (cfg->values[i] && is_secret(i))
			explicit_bzero(cfg->values[i], strlen(cfg->values[i]));
		free(cfg->values[i]);
		cfg->values[i] = NULL;
	}
	free(cfg->edit_argv);
	memset(cfg, 0, sizeof(*cfg));
}

static int find_input(const char *name, size_t len)
{
	for (int i = 0; i < IN__COUNT; i++)
		if (strlen(inputs[i].name) == len && memcmp(inputs[i].name, name, len) == 0)
			return i;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Set (or, for a `lines` input given by repeated flags, extend) a value.
 * Leading and trailing white space is dropped, as @actions/core's getInput
 * does (a `with:` block scalar ends in a newline); what is left empty counts
 * as unset.
 */
static int set_value(struct config *cfg, int in, const char *val, bool append)
{
	struct buf b = BUF_INIT;
	size_t len;

	while (is_blank(*val))
		val++;
	len = strlen(val);
	while (len && is_blank(val[len - 1]))
		len--;
	if (!len)
		return 0;
	buf_init(&b, CONFIG_VALUE_MAX);
	if (append && cfg->values[in]) {
		buf_adds(&b, cfg->values[in]);
		buf_addc(&b, '\n');
	}
	buf_add(&b, val, len);
	if (buf_failed(&b)) {
		if (buf_error(&b) != EFBIG)
			log_oom();
		else
			log_error("input '%s' is too long (over %zu bytes)", inputs[in].name,
				  (size_t)CONFIG_VALUE_MAX);
		buf_release(&b);
		return -1;
	}
	free(cfg->values[in]);
	cfg->values[in] = buf_detach(&b, NULL);
	if (!cfg->values[in])
		return log_oom();
	cfg->from_user[in] = true;
	return 0;
}

/* INPUT_<NAME> with hyphens kept, then with underscores. */
static const char *input_env(const char *name)
{
	char var[64], *p;
	const char *v;

	snprintf(var, sizeof(var), "INPUT_%s", name);
	for (p = var; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	v = getenv(var);
	if (v && *v)
		return v;
	for (p = var; *p; p++)
		if (*p == '-')
			*p = '_';
	v = getenv(var);
	return v && *v ? v : NULL;
}

static int parse_bool(const char *name, const char *v, bool *out)
{
	static const char *yes[] = { "true", "True", "TRUE", "yes", "1", "on" };
	static const char *no[] = { "false", "False", "FALSE", "no", "0", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	log_error("input '%s' must be true or false, not '%s'", name, v);
	return -1;
}

static int parse_int(const struct input_def *d, const char *v, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < d->min || n > d->max) {
		log_error("input '%s' must be a whole number from %ld to %ld, not '%s'",
			  d->name, d->min, d->max, v);
		return -1;
	}
	*out = n;
	return 0;
}

static int check_json_object(const char *name, const char *v)
{
	const char *end = NULL;
	cJSON *j;
	int rc = 0;

	errno = 0;
	j = cJSON_ParseWithLengthOpts(v, strlen(v) + 1, &end, 1);
	if (!j && errno == ENOMEM) /* cJSON says NULL for both */
		return log_oom();
	if (!j) {
		log_error("input '%s' is not valid JSON (at byte %zu)", name,
			  end && end >= v ? (size_t)(end - v) + 1 : (size_t)1);
		return -1;
	}
	if (!cJSON_IsObject(j)) {
		log_error("input '%s' must be a JSON object ({...})", name);
		rc = -1;
	}
	cJSON_Delete(j);
	return rc;
}

static enum mode parse_mode(const char *s)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(*mode_names); i++)
		if (mode_names[i] && strcmp(s, mode_names[i]) == 0)
			return (enum mode)i;
	return MODE_NONE;
}

/* CLI flags after the mode word. */
static int parse_flags(struct config *cfg, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		int in;

		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			log_error("unexpected argument '%s' (see --help)", arg);
			return -1;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		in = find_input(name, eq ? (size_t)(eq - name) : strlen(name));
		if (in < 0 || in == IN_MODE) {
			log_error("unknown option '%s' (see --help)", arg);
			return -1;
		}
		if (in == IN_TOKEN) {
			log_error("the token is not taken from the command line: set GITHUB_TOKEN");
			return -1;
		}
		if (in == IN_PRIVATE_KEY) {
			log_error("the private key is not taken from the command line: "
				  "set INPUT_PRIVATE-KEY");
			return -1;
		}
		if (is_secret(in)) {
			log_error("'%s' is not taken from the command line: set INPUT_%s", inputs[in].name,
				  in == IN_ARGOCD_TOKEN ? "ARGOCD_TOKEN" : "DEPLOYMENT_TOKEN");
			return -1;
		}
		if (!(inputs[in].modes & (1u << cfg->mode))) {
			log_error("option '--%s' does not apply to mode '%s'", inputs[in].name,
				  mode_names[cfg->mode]);
			return -1;
		}
		if (eq)
			val = eq + 1;
		else if (inputs[in].type == T_BOOL && (i + 1 >= argc ||
			 strncmp(argv[i + 1], "--", 2) == 0))
			val = "true";
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			log_error("option '%s' needs a value", arg);
			return -1;
		}
		if (set_value(cfg, in, val, inputs[in].type == T_LINES &&
			      cfg->from_user[in]) < 0)
			return -1;
	}
	return 0;
}

/*
 * A token is one word: the article's `user:token` form (curl -u) or a
 * pasted line with spaces would only earn a 401 later.  Dispatch needs a
 * token unless it is a dry run; patch decides for itself (patch.c).
 */
static int check_token(const struct config *cfg)
{
	const char *t = cfg->values[IN_TOKEN];

	if (!t) {
		if (cfg->mode == MODE_DISPATCH && !cfg->bools[IN_DRY_RUN] &&
		    !cfg->values[IN_APP_ID]) {
			log_error("no token: set the 'token' input to a token that may "
				  "write to the target repository (see README, Tokens)");
			return -1;
		}
		return 0;
	}
	if (strchr(t, ':')) {
		log_error("the token has the form 'user:token' (curl -u): pass only the token");
		return -1;
	}
	for (; *t; t++) {
		if ((unsigned char)*t <= ' ' || *t == 0x7f) {
			log_error("the token contains white space or control characters");
			return -1;
		}
	}
	return 0;
}

/* Environment and defaults for every input not set by a flag, then types. */
static int fill_and_check(struct config *cfg)
{
	for (int i = 0; i < IN__COUNT; i++) {
		const struct input_def *d = &inputs[i];
		const char *v;

		if (!cfg->values[i]) {
			v = input_env(d->name);
			if (!v && i == IN_TOKEN) {
				v = getenv("GITHUB_TOKEN");
				if (!v || !*v)
					v = getenv("GH_TOKEN");
				if (v && !*v)
					v = NULL;
			}
			if (!v && i == IN_API_URL) {
				v = getenv("GITHUB_API_URL");
				if (!v || !*v)
					v = "https://api.github.com";
			}
			if (v) {
				if (set_value(cfg, i, v, false) < 0)
					return -1;
			} else if (d->def) {
				if (set_value(cfg, i, d->def, false) < 0)
					return -1;
				cfg->from_user[i] = false;
			}
		}
		if (is_secret(i) && cfg->values[i] && log_mask(cfg->values[i]) < 0)
			return -1;
		v = cfg->values[i];
		if (!v || !(d->modes & (1u << cfg->mode)))
			continue;
		if (d->type == T_BOOL && parse_bool(d->name, v, &cfg->bools[i]) < 0)
			return -1;
		if (d->type == T_INT && parse_int(d, v, &cfg->ints[i]) < 0)
			return -1;
		if (d->type == T_JSON && check_json_object(d->name, v) < 0)
			return -1;
	}
	for (int i = 0; i < IN__COUNT; i++) {
		if ((required[i] & (1u << cfg->mode)) && !cfg->values[i]) {
			log_error("input '%s' is required in mode '%s'", inputs[i].name,
				  mode_names[cfg->mode]);
			return -1;
		}
	}
	return check_token(cfg);
}

/* Every place a token can come from, masked before anything is printed:
 * as given, and the part after a colon of a `user:token` value. */
static int mask_tokens(void)
{
	const char *sources[] = { input_env("token"), getenv("GITHUB_TOKEN"), getenv("GH_TOKEN"),
				  input_env("deployment-token"), input_env("argocd-token"),
				  input_env("private-key") };

	for (size_t i = 0; i < sizeof(sources) / sizeof(*sources); i++) {
		const char *colon;

		if (!sources[i])
			continue;
		if (log_mask(sources[i]) < 0)
			return -1;
		colon = strrchr(sources[i], ':');
		if (colon && log_mask(colon + 1) < 0)
			return -1;
	}
	return 0;
}

/* Same name once '-' and '_' are equal and case is ignored. */
static bool same_input_name(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen && a[i]; i++) {
		char x = a[i] == '-' ? '_' : (char)toupper((unsigned char)a[i]);
		char y = b[i] == '-' ? '_' : (char)toupper((unsigned char)b[i]);

		if (x != y)
			return false;
	}
	return i == blen && !a[i];
}

/* An INPUT_* variable that names no input is most likely a typo. */
static void warn_unknown_inputs(void)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++) {
		const char *name = *e + 6, *eq;
		bool known = false;

		if (strncmp(*e, "INPUT_", 6) != 0 || !(eq = strchr(name, '=')))
			continue;
		for (int i = 0; i < IN__COUNT && !known; i++)
			known = same_input_name(inputs[i].name, name, (size_t)(eq - name));
		if (!known)
			log_warning("unknown input '%.*s' ignored (see --list-inputs)",
				    (int)(eq - *e), *e);
	}
}

static int load(struct config *cfg, int argc, char **argv)
{
	const char *word = argc > 1 ? argv[1] : NULL;
	const char *env_mode;
	int first = 2;

	memset(cfg, 0, sizeof(*cfg));
	/* The token may be in the environment: mask it before printing anything.
	 * Not for `edit`, which never reads it and whose stdout is YAML data
	 * that an ::add-mask:: line would corrupt. */
	if (!(word && !strcmp(word, "edit")) && mask_tokens() < 0)
		return -1;
	if (word && (!strcmp(word, "--help") || !strcmp(word, "-h") || !strcmp(word, "help"))) {
		cfg->mode = MODE_HELP;
		return 0;
	}
	if (word && (!strcmp(word, "--version") || !strcmp(word, "-V"))) {
		cfg->mode = MODE_VERSION;
		return 0;
	}
	if (word && !strcmp(word, "--list-inputs")) {
		cfg->mode = MODE_INPUTS;
		return 0;
	}
	if (word && word[0] != '-') {
		cfg->mode = parse_mode(word);
		if (cfg->mode == MODE_NONE) {
			log_error("unknown mode '%s': use dispatch, patch, land or edit (see --help)",
				  word);
			return -1;
		}
	} else {
		env_mode = input_env("mode");
		first = 1;
		if (!env_mode) {
			log_error("no mode given: set the 'mode' input to 'dispatch', 'patch' or 'land' "
				  "(see --help)");
			return -1;
		}
		cfg->mode = parse_mode(env_mode);
		if (cfg->mode != MODE_DISPATCH && cfg->mode != MODE_PATCH && cfg->mode != MODE_LAND) {
			log_error("input 'mode' must be 'dispatch', 'patch' or 'land', not '%s'",
				  env_mode);
			return -1;
		}
	}
	if (cfg->mode == MODE_EDIT) {
		cfg->edit_argc = argc - 1;
		cfg->edit_argv = calloc((size_t)argc, sizeof(char *));
		if (!cfg->edit_argv)
			return log_oom();
		memcpy(cfg->edit_argv, argv + 1, (size_t)(argc - 1) * sizeof(char *));
		return 0;
	}
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cfg->mode = MODE_HELP;
			return 0;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			cfg->mode = MODE_VERSION;
			return 0;
		}
		if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			log_set_verbose(true);
			memmove(argv + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof(char *));
			argc--;
			i--;
		}
	}
	if (parse_flags(cfg, argc - first, argv + first) < 0)
		return -1;
	warn_unknown_inputs();
	if (set_value(cfg, IN_MODE, mode_names[cfg->mode], false) < 0)
		return -1;
	return fill_and_check(cfg);
}

int config_load(struct config *cfg, int argc, char **argv)
{
	if (load(cfg, argc, argv) == 0)
		return 0;
	/* `edit` is a CLI verb with no step summary */
	if (cfg->mode != MODE_EDIT)
		log_summary_failed(cfg->mode == MODE_DISPATCH || cfg->mode == MODE_PATCH ||
				   cfg->mode == MODE_LAND ?
				   mode_names[cfg->mode] : "run", NULL, NULL,
				   "nothing done: the inputs were refused before anything was "
				   "read or sent");
	return -1;
}

char **config_lines(const struct config *cfg, enum input in, size_t *n)
{
	const char *v = cfg->values[in];
	char **lines = NULL;
	size_t count = 0, cap = 0;

	*n = 0;
	while (v && *v) {
		const char *nl = strchr(v, '\n');
		const char *end = nl ? nl : v + strlen(v);
		const char *s = v;

		while (s < end && isspace((unsigned char)*s))
			s++;
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		if (end > s) {
			if (count + 2 > cap) {
				char **tmp;

				cap = cap ? cap * 2 : 8;
				tmp = realloc(lines, cap * sizeof(*lines));
				if (!tmp)
					goto oom;
				lines = tmp;
			}
			lines[count] = strndup(s, (size_t)(end - s));
			if (!lines[count])
				goto oom;
			lines[++count] = NULL;
		}
		v = nl ? nl + 1 : NULL;
	}
	if (!lines) {
		lines = calloc(1, sizeof(*lines));
		if (!lines)
			goto oom;
	}
	*n = count;
	return lines;
oom:
	if (lines)
		lines[count] = NULL;
	config_lines_free(lines);
	log_oom();
	return NULL;
}

void config_lines_free(char **lines)
{
	if (!lines)
		return;
	for (char **p = lines; *p; p++)
		free(*p);
	free(lines);
}

int config_client_new(struct gh_client **out, const struct config *cfg)
{
	const struct gh_options opt = {
		.api_url = config_str(cfg, IN_API_URL),
		.token = config_str(cfg, IN_TOKEN),
		.max_attempts = (int)config_int(cfg, IN_MAX_ATTEMPTS),
		.timeout_s = (int)config_int(cfg, IN_TIMEOUT),
	};

	return gh_client_new(out, &opt);
}

int config_deploy_client_new(struct gh_client **out, const struct config *cfg)
{
	const char *token = config_str(cfg, IN_DEPLOYMENT_TOKEN);
	struct gh_options opt = {
		.api_url = config_str(cfg, IN_API_URL),
		.max_attempts = (int)config_int(cfg, IN_MAX_ATTEMPTS),
		.timeout_s = (int)config_int(cfg, IN_TIMEOUT),
	};

	*out = NULL;
	if (!token && cfg->mode == MODE_DISPATCH) {
		token = getenv("GITHUB_TOKEN");
		if (token && !*token)
			token = NULL;
	}
	if (!token)
		return 1;
	opt.token = token;
	return gh_client_new(out, &opt);
}

void config_argocd_opts(struct argocd_opts *o, const struct config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->server = config_str(cfg, IN_ARGOCD_SERVER);
	o->token = config_str(cfg, IN_ARGOCD_TOKEN);
	o->ns = config_str(cfg, IN_ARGOCD_NAMESPACE);
	o->ca_file = config_str(cfg, IN_ARGOCD_CA_FILE);
	o->timeout_s = (int)config_int(cfg, IN_ARGOCD_TIMEOUT);
	o->request_s = (int)config_int(cfg, IN_TIMEOUT);
	o->max_attempts = (int)config_int(cfg, IN_MAX_ATTEMPTS);
}

static void modes_of(unsigned m, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s", m & M_DISPATCH ? "dispatch" : "",
		 (m & M_DISPATCH) && (m & (M_PATCH | M_LAND)) ? "," : "",
		 m & M_PATCH ? "patch" : "", (m & M_PATCH) && (m & M_LAND) ? "," : "",
		 m & M_LAND ? "land" : "");
}

void config_list_inputs(void)
{
	for (int i = 0; i < IN__COUNT; i++) {
		char modes[32];
		const char *def = inputs[i].def ? inputs[i].def : "";

		modes_of(inputs[i].modes, modes, sizeof(modes));
		printf("%s\t%s\t", inputs[i].name, modes);
		for (; *def; def++) /* one line per input */
			fputs(*def == '\n' ? "\\n" : (char[2]){ *def, 0 }, stdout);
		printf("\t%s\t%s\n", inputs[i].help, by_payload[i] ? "payload" : "fixed");
	}
}

void config_usage(void)
{
	printf("usage: gitops-bump dispatch [--NAME VALUE]...   send a repository_dispatch (app repo)\n"
	       "       gitops-bump patch [--NAME VALUE]...      edit a manifest and commit it (GitOps repo)\n"
	       "       gitops-bump land [--NAME VALUE]...       finish the deploy of a closed pull request\n"
	       "       gitops-bump edit FILE --set PATH=VALUE... [-i | -o OUT] [--diff]\n"
	       "       gitops-bump --version | --help | --list-inputs\n"
	       "\n"
	       "Every input is a flag --NAME or the variable INPUT_NAME (as the Actions\n"
	       "runner sets it); the token comes from INPUT_TOKEN, GITHUB_TOKEN or GH_TOKEN.\n"
	       "-v/--verbose prints debug lines.\n\ninputs:\n");
	for (int i = 0; i < IN__COUNT; i++) {
		char modes[32], flag[40];

		modes_of(inputs[i].modes, modes, sizeof(modes));
		/* the mode is the first word, the token never a flag */
		snprintf(flag, sizeof(flag), i == IN_MODE ? "(first word)" : i == IN_TOKEN ?
			 "(INPUT_TOKEN)" : i == IN_DEPLOYMENT_TOKEN ? "(INPUT_DEPLOYMENT_TOKEN)" :
			 i == IN_ARGOCD_TOKEN ? "(INPUT_ARGOCD_TOKEN)" : i == IN_PRIVATE_KEY ?
			 "(INPUT_PRIVATE-KEY)" : "--%s", inputs[i].name);
		printf("  %-22s %s [%s]\n", flag, inputs[i].help, modes);
	}
	printf("\nexit status: 0 success, 1 failure, 2 usage or configuration error\n");
}
