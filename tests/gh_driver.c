/*
 * gh-driver: sends requests through the REST client (src/github.c), so
 * tests/test_github.py can test it against the fake GitHub without a mode.
 *
 *   gh-driver --url URL [options] METHOD PATH BODY [METHOD PATH BODY ...]
 *
 * BODY is "-" for none, "@FILE" for a file's content, or the JSON text.
 * All requests go through one client (one handle, one time budget).
 * Options:
 *   --attempts N     max attempts per request (default 5)
 *   --timeout S      the whole run's budget in seconds (default 120)
 *   --body-max N     response body cap in bytes (default GH_BODY_MAX)
 *   --accept TYPE    Accept header
 *   --what TEXT      names the request in errors (default "METHOD PATH")
 *   --repo O/R       for the permission hint
 *   --permission P   for the permission hint ("contents:write")
 *   --fail           a status >= 300 goes to gh_fail() and the run fails
 *   --backoff N      before the requests, call gh_backoff_window() with a
 *                    window of N base delays and report it
 *   --reserve S      ... keeping S seconds of the budget for the next attempt
 *   --poll-statuses ID  instead of METHOD PATH BODY: GET the statuses of
 *                    deployment ID of --repo --polls times (default 2)
 *                    through one gh_get (gh_get_json, 200 or 304 listed,
 *                    an array), each poll with the ETag of the last 200
 *                    as If-None-Match, as a poller does; the options
 *                    above fill the request's other fields.  One line per
 *                    poll: {"rc", "status", "json" (its type, or null),
 *                    "path"}
 * The token comes from GH_DRIVER_TOKEN (registered with log_mask() first, as
 * config does).  One JSON line per request on stdout:
 *   {"rc", "status", "attempts", "message", "location", "request_id",
 *    "body", "requests", "elapsed"}
 * Exit 0 when every request returned 0 (and, with --fail, every status was
 * below 300), else 1; 2 on a usage error.
 */
#include "buf.h"
#include "github.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_result(int rc, const struct gh_response *r, long requests, double elapsed)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddNumberToObject(o, "rc", rc);
	cJSON_AddNumberToObject(o, "status", (double)r->status);
	cJSON_AddNumberToObject(o, "attempts", r->attempts);
	if (r->message)
		cJSON_AddStringToObject(o, "message", r->message);
	if (r->location)
		cJSON_AddStringToObject(o, "location", r->location);
	if (r->request_id)
		cJSON_AddStringToObject(o, "request_id", r->request_id);
	cJSON_AddStringToObject(o, "body", buf_cstr(&r->body));
	cJSON_AddNumberToObject(o, "body_len", (double)r->body.len);
	cJSON_AddNumberToObject(o, "requests", (double)requests);
	cJSON_AddNumberToObject(o, "elapsed", elapsed);
	text = cJSON_PrintUnformatted(o);
	if (text)
		puts(text);
	fflush(stdout);
	free(text);
	cJSON_Delete(o);
}

/* --poll-statuses: gh_get_json sent again on one gh_get. */
static int poll_statuses(struct gh_client *c, const struct gh_request *proto, const char *id,
			 int polls)
{
	static const long ok[] = { 200, 304, 0 };
	struct gh_get g = GH_GET_INIT;
	char *etag = NULL;
	int status = 0;

	g.req = *proto;
	for (int n = 0; n < polls; n++) {
		cJSON *o = cJSON_CreateObject();
		char *text;
		int rc;

		g.req.if_none_match = etag;
		rc = gh_get_json(&g, c, proto->repo, proto->permission, ok, GH_JSON_ARRAY,
				 proto->what ? proto->what : "polling the statuses",
				 "/deployments/%s/statuses", id);
		if (rc == 200) {
			free(etag);
			etag = g.resp.etag ? strdup(g.resp.etag) : NULL;
		}
		cJSON_AddNumberToObject(o, "rc", rc);
		cJSON_AddNumberToObject(o, "status", (double)g.resp.status);
		if (g.json)
			cJSON_AddStringToObject(o, "json", cJSON_IsArray(g.json) ? "array" : "other");
		else
			cJSON_AddNullToObject(o, "json");
		cJSON_AddStringToObject(o, "path", buf_cstr(&g.path));
		if ((text = cJSON_PrintUnformatted(o)))
			puts(text);
		fflush(stdout);
		free(text);
		cJSON_Delete(o);
		if (rc < 0)
			status = 1;
	}
	free(etag);
	gh_get_release(&g);
	return status;
}

static int usage(void)
{
	fputs("usage: gh-driver --url URL [options] METHOD PATH BODY...\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct gh_options opt = { NULL, NULL, 5, 120, NULL };
	struct gh_request proto = { 0 };
	struct gh_client *c = NULL;
	const char *poll_id = NULL;
	int polls = 2;
	bool fail = false;
	double backoff = 0, reserve = 0;
	int i, status = 0;

	signal(SIGPIPE, SIG_IGN);
	log_init();
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(k, "--fail") == 0) {
			fail = true;
			i--;
			continue;
		}
		if (!v)
			return usage();
		if (strcmp(k, "--url") == 0)
			opt.api_url = v;
		else if (strcmp(k, "--attempts") == 0)
			opt.max_attempts = atoi(v);
		else if (strcmp(k, "--timeout") == 0)
			opt.timeout_s = atoi(v);
		else if (strcmp(k, "--body-max") == 0)
			proto.body_max = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(k, "--accept") == 0)
			proto.accept = v;
		else if (strcmp(k, "--what") == 0)
			proto.what = v;
		else if (strcmp(k, "--repo") == 0)
			proto.repo = v;
		else if (strcmp(k, "--permission") == 0)
			proto.permission = v;
		else if (strcmp(k, "--backoff") == 0)
			backoff = atof(v);
		else if (strcmp(k, "--reserve") == 0)
			reserve = atof(v);
		else if (strcmp(k, "--poll-statuses") == 0)
			poll_id = v;
		else if (strcmp(k, "--polls") == 0)
			polls = atoi(v);
		else
			return usage();
	}
	if (!opt.api_url || (argc - i) % 3 != 0 || (poll_id && (i < argc || !proto.repo)))
		return usage();
	opt.token = getenv("GH_DRIVER_TOKEN");
	if (opt.token && log_mask(opt.token) < 0)
		return 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	if (gh_client_new(&c, &opt) < 0) {
		status = 1;
		goto out;
	}
	if (backoff) {
		double t0 = now();
		int rc = gh_backoff_window(c, backoff, reserve, 2, "the driver's backoff");

		printf("{\"backoff\": %g, \"rc\": %d, \"elapsed\": %.3f}\n", backoff, rc, now() - t0);
		if (rc < 0)
			status = 1;
	}
	if (poll_id)
		status = poll_statuses(c, &proto, poll_id, polls);
	for (; i < argc; i += 3) {
		struct gh_request req = proto;
		struct gh_response resp = GH_RESPONSE_INIT;
		struct buf body = BUF_INIT, what = BUF_INIT;
		double t0 = now();
		int rc;

		req.method = argv[i];
		req.path = argv[i + 1];
		if (argv[i + 2][0] == '@') {
			if (buf_read_file(&body, argv[i + 2] + 1) < 0) {
				fprintf(stderr, "gh-driver: cannot read '%s'\n", argv[i + 2] + 1);
				status = 2;
				break;
			}
			req.body = buf_cstr(&body);
			req.body_len = body.len;
		} else if (strcmp(argv[i + 2], "-") != 0) {
			req.body = argv[i + 2];
			req.body_len = strlen(argv[i + 2]);
		}
		if (!req.what) {
			buf_addf(&what, "%s %s", req.method, req.path);
			req.what = buf_cstr(&what);
		}
		rc = gh_request(c, &req, &resp);
		if (rc == 0 && fail && resp.status >= 300)
			rc = gh_fail(&req, &resp);
		print_result(rc, &resp, gh_request_count(c), now() - t0);
		if (rc < 0)
			status = 1;
		gh_response_release(&resp);
		buf_release(&body);
		buf_release(&what);
	}
out:
	gh_client_free(c);
	curl_global_cleanup();
	log_reset();
	return status;
}
