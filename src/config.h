/*
 * config: the one place that reads settings.
 *
 * Every setting is an *input*, declared once in the table in config.c with
 * its name (as in action.yml), the modes that read it, its type, its default
 * and a one-line description.  A value comes from, in order:
 *   1. a CLI flag `--NAME VALUE` (or `--NAME=VALUE`; a bool flag alone means
 *      true; a `lines` input may be repeated, one line each);
 *   2. the environment as the Actions runner passes it: INPUT_<NAME>, the name
 *      upper-cased with hyphens kept (INPUT_EVENT-TYPE); the underscore
 *      spelling (INPUT_EVENT_TYPE) is accepted too, because POSIX shells drop
 *      variables with '-' in their names;
 *   3. the default in the table.
 * An empty value counts as unset.  The Actions runner passes every default
 * of action.yml as INPUT_*, so the binary never sees "not given"; an input
 * whose default depends on the payload (the templates that name the source
 * commit, which the article's payload does not carry: value, commit-message,
 * pull-request-title, pull-request-body) is therefore declared with default
 * '' in action.yml, and "empty" means "the binary's own default", chosen by
 * the mode from the payload.  The binary is the one source of truth for
 * every default.  The token never comes from a CLI flag
 * (it would show in `ps` and shell history): INPUT_TOKEN, then GITHUB_TOKEN,
 * then GH_TOKEN.  The other secrets (deployment-token, argocd-token, the
 * App's private-key) are never flags either, and are masked (the key line by
 * line) before anything is printed.
 *
 * The mode is INPUT_MODE or the first CLI word (`gitops-bump dispatch ...`):
 * dispatch, patch, land, or the CLI-only edit.
 * `edit` is a CLI-only verb with its own arguments (see edit.h); config_load
 * recognises it and leaves its arguments alone.
 *
 * config_load validates everything up front: an unknown flag, a missing
 * required input, a bad boolean/integer/JSON value is a usage error, reported
 * once (one line) and returned as -1; main exits 2.  After a successful load
 * the typed accessors cannot fail.
 *
 * A mode finds some bad settings only later (a target that is not
 * 'owner/name', a derived event type over 100 characters, a client-payload
 * key that collides): it reports them once and returns GB_EUSAGE instead of
 * -1, and main exits 2 for them too.
 *
 * Ownership: struct config owns every string it holds; config_release frees
 * them (and wipes the token).  Accessors return borrowed pointers valid until
 * config_release.
 */
#ifndef GB_CONFIG_H
#define GB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* What a mode returns for a usage error it found (printed): exit 2. */
#define GB_EUSAGE (-2)

enum mode {
	MODE_NONE = 0,
	MODE_DISPATCH,
	MODE_PATCH,
	MODE_EDIT,    /* CLI only: argv is handed to edit_main() */
	MODE_HELP,    /* --help / help: print usage, exit 0 */
	MODE_VERSION, /* --version */
	MODE_INPUTS,  /* --list-inputs: the input table, for the action.yml test */
	MODE_LAND,    /* GitOps repo, on a closed pull request: finish its deploy (land.h) */
};

/* Every input.  Keep in the same order as the table in config.c. */
enum input {
	IN_MODE,
	IN_TOKEN,
	IN_API_URL,
	IN_MAX_ATTEMPTS,
	IN_TIMEOUT,
	IN_DRY_RUN,
	IN_STRICT,
	IN_REPOSITORY,      /* dispatch: targets (lines); patch: the GitOps repo */
	IN_EVENT_TYPE,
	IN_SERVICE,
	IN_ENVIRONMENT,
	IN_CLIENT_PAYLOAD,
	IN_IMAGE,           /* dispatch: image reference; patch: image template */
	IN_ENVIRONMENTS,
	IN_ALLOWED_SOURCES,
	IN_MANIFEST,
	IN_SET,
	IN_MARKER,
	IN_VALUE,
	IN_CONTAINER,
	IN_BRANCH,
	IN_COMMIT,
	IN_COMMIT_MESSAGE,
	IN_COMMIT_AUTHOR,
	IN_PULL_REQUEST,
	IN_PR_TITLE,
	IN_PR_BODY,
	IN_APP_ID,          /* GitHub App credentials instead of a token */
	IN_PRIVATE_KEY,     /* never a CLI flag, masked at once */
	IN_VIA,             /* dispatch: repository_dispatch | workflow_dispatch */
	IN_WORKFLOW,        /* dispatch: the receiving workflow's file name */
	IN_REQUIRE_VERIFIED,
	IN_ROLLBACK,          /* dispatch: mark the deploy a deliberate rollback */
	IN_PROVENANCE,        /* dispatch: send the run's OIDC ID token */
	IN_ALLOW_ROLLBACK,
	IN_REQUIRE_PROVENANCE,
	IN_OIDC_ISSUER,
	IN_ALLOWED_WORKFLOWS,
	IN_DEPLOYMENT,         /* dispatch: create a GitHub Deployment (deploy.h) */
	IN_DEPLOYMENT_TOKEN,   /* both: the token for the app repo's deployments */
	IN_WAIT,               /* dispatch: wait for the deployment's final state */
	IN_WAIT_TIMEOUT,
	IN_ARGOCD_SERVER,      /* patch: wait for Argo CD (argocd.h) */
	IN_ARGOCD_TOKEN,
	IN_ARGOCD_APPLICATION,
	IN_ARGOCD_NAMESPACE,
	IN_ARGOCD_TIMEOUT,
	IN_ARGOCD_CA_FILE,
	IN__COUNT
};

struct config {
	enum mode mode;
	char *values[IN__COUNT];  /* NULL when unset and without default */
	bool from_user[IN__COUNT]; /* set by flag or environment, not default */
	long ints[IN__COUNT];     /* parsed value of integer inputs */
	bool bools[IN__COUNT];    /* parsed value of boolean inputs */
	int edit_argc;            /* MODE_EDIT: the verb's own arguments */
	char **edit_argv;
};

/* Fill `cfg` from argv and the environment.  0, or -1 (usage error,
 * printed, and said in the step summary: log_summary_failed).  `cfg` must
 * be released either way. */
int config_load(struct config *cfg, int argc, char **argv);
void config_release(struct config *cfg);

/* The value of an input: a string, or NULL when unset (never ""). */
const char *config_str(const struct config *cfg, enum input in);
/* A boolean / integer input (already validated by config_load). */
bool config_bool(const struct config *cfg, enum input in);
long config_int(const struct config *cfg, enum input in);
/* True when the user gave the input (flag or environment), not a default. */
bool config_given(const struct config *cfg, enum input in);
/* The input's name as in action.yml ("event-type"). */
const char *config_name(enum input in);

/* A `lines` input split into its non-empty, trimmed lines: a malloc'd
 * NULL-terminated array of malloc'd strings (free with config_lines_free),
 * stored count in *n.  NULL on allocation failure (printed); an unset input
 * gives an empty array. */
char **config_lines(const struct config *cfg, enum input in, size_t *n);
void config_lines_free(char **lines);

/* The REST client (github.h) of the inputs api-url, token, max-attempts and
 * timeout, which every mode that calls GitHub shares.  0, or -1 (printed;
 * *out NULL).  github.c itself knows nothing of the configuration. */
struct gh_client;
int config_client_new(struct gh_client **out, const struct config *cfg);

/* The client for the app repo's deployments: api-url, max-attempts and
 * timeout as config_client_new, the token `deployment-token` (in mode
 * dispatch, unset: GITHUB_TOKEN, as the action passes the job's token).
 * 0, or -1 (printed; *out NULL); 1 when there is no such token (*out NULL,
 * nothing printed). */
int config_deploy_client_new(struct gh_client **out, const struct config *cfg);

/* The Argo CD inputs (argocd-server, -token, -namespace, -ca-file,
 * -timeout; timeout and max-attempts for each request) as argocd_opts,
 * which both receiver steps wait with; the caller sets the application,
 * the revision and the contains callback.  `o` is zeroed first. */
struct argocd_opts;
void config_argocd_opts(struct argocd_opts *o, const struct config *cfg);

/* Print the usage text to stdout. */
void config_usage(void);
/* Print the input table to stdout (`--list-inputs`): one line per input,
 * "name<TAB>modes<TAB>default<TAB>description<TAB>kind", modes
 * comma-separated, kind "payload" when the default depends on the payload
 * (action.yml declares '' for it), else "fixed". */
void config_list_inputs(void);

#endif
