/*
 * commit-driver: runs the commit machinery (src/commit.c) with a plain text
 * edit, so tests/test_commit.py can test committing (two requests,
 * conflicts, concurrency, the Git Data path, protected branches, pull
 * requests) against the fake GitHub without the YAML editor.
 *
 *   commit-driver --url URL [options] REPO BRANCH VALUE PATH...
 *
 * The edit: the line "revision: ..." of each file becomes "revision: VALUE"
 * (appended when the file has none); a file that has it already is
 * unchanged.  Options:
 *   --attempts N     max-attempts (default 5)
 *   --timeout S      time budget (default 120)
 *   --author 'N <E>' author and committer
 *   --dry-run
 *   --pr BRANCH      commit_pull_request with head BRANCH
 * The token comes from GH_DRIVER_TOKEN.  Prints one JSON object:
 *   {"rc", "changed", "sha", "url", "pr_url", "pr_existed", "attempts",
 *    "verified", "requests", "files": {PATH: {"changed", "mode"}}}
 * Exit 0 when the call returned 0, else 1; 2 on a usage error.
 */
#include "commit.h"
#include "github.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *value;

static int set_revision(void *arg, struct commit_file *f)
{
	const char *old = f->old.ptr ? f->old.ptr : "", *line = strstr(old, "revision: ");
	size_t end;

	(void)arg;
	if (line && (line == old || line[-1] == '\n')) {
		end = strcspn(line, "\n");
		buf_add(&f->new, old, (size_t)(line - old));
		buf_addf(&f->new, "revision: %s", value);
		buf_add(&f->new, line + end, f->old.len - (size_t)(line - old) - end);
	} else {
		buf_add(&f->new, old, f->old.len);
		buf_addf(&f->new, "revision: %s\n", value);
	}
	if (buf_failed(&f->new)) {
		log_error("out of memory");
		return -1;
	}
	f->changed = f->new.len != f->old.len || memcmp(f->new.ptr, old, f->old.len) != 0;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: commit-driver --url URL [--attempts N] [--timeout S] "
		"[--author 'N <E>'] [--dry-run] [--pr BRANCH] REPO BRANCH VALUE PATH...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct gh_options opt = { NULL, getenv("GH_DRIVER_TOKEN"), 5, 120, NULL };
	struct commit_opts o = { .message = "commit-driver: set the revision", .edit = set_revision };
	struct commit_result res;
	struct commit_file *files;
	struct gh_client *gh = NULL;
	char name[256], email[256];
	cJSON *out, *fs;
	char *text;
	size_t n;
	int i, rc;

	log_init();
	if (opt.token)
		log_mask(opt.token);
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--dry-run")) {
			o.dry_run = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--url"))
			opt.api_url = v;
		else if (!strcmp(a, "--attempts"))
			opt.max_attempts = atoi(v);
		else if (!strcmp(a, "--timeout"))
			opt.timeout_s = atoi(v);
		else if (!strcmp(a, "--pr"))
			o.pr_branch = v;
		else if (!strcmp(a, "--author") && sscanf(v, "%255[^<]<%255[^>]>", name, email) == 2) {
			for (size_t l = strlen(name); l && name[l - 1] == ' '; l--)
				name[l - 1] = '\0';
			o.author_name = name;
			o.author_email = email;
		} else
			return usage();
	}
	if (!opt.api_url || argc - i < 4)
		return usage();
	o.repo = argv[i];
	o.branch = argv[i + 1];
	value = argv[i + 2];
	o.pr_title = "commit-driver pull request";
	o.pr_body = "from the commit driver";
	n = (size_t)(argc - i - 3);
	files = calloc(n, sizeof(*files));
	if (!files)
		return 1;
	for (size_t k = 0; k < n; k++)
		commit_file_init(&files[k], argv[i + 3 + (int)k]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&res, 0, sizeof(res));
	rc = gh_client_new(&gh, &opt);
	if (rc == 0)
		rc = o.pr_branch ? commit_pull_request(gh, &o, files, n, &res)
				 : commit_files(gh, &o, files, n, &res);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "rc", rc);
	cJSON_AddBoolToObject(out, "changed", res.changed);
	cJSON_AddStringToObject(out, "sha", res.sha ? res.sha : "");
	cJSON_AddStringToObject(out, "url", res.url ? res.url : "");
	cJSON_AddStringToObject(out, "pr_url", res.pr_url ? res.pr_url : "");
	cJSON_AddBoolToObject(out, "pr_existed", res.pr_existed);
	cJSON_AddNumberToObject(out, "attempts", res.attempts);
	cJSON_AddBoolToObject(out, "verified", res.verified);
	cJSON_AddNumberToObject(out, "requests", gh ? (double)gh_request_count(gh) : 0);
	fs = cJSON_AddObjectToObject(out, "files");
	for (size_t k = 0; k < n; k++) {
		cJSON *f = cJSON_AddObjectToObject(fs, files[k].path);

		cJSON_AddBoolToObject(f, "changed", files[k].changed);
		cJSON_AddStringToObject(f, "mode", files[k].mode);
		commit_file_release(&files[k]);
	}
	text = cJSON_PrintUnformatted(out);
	printf("%s\n", text ? text : "{}");
	free(text);
	cJSON_Delete(out);
	free(files);
	commit_result_release(&res);
	gh_client_free(gh);
	curl_global_cleanup();
	log_reset();
	return rc == 0 ? 0 : 1;
}
