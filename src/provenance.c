/* provenance: see provenance.h for the contract. */
#include "provenance.h"

#include "buf.h"
#include "github.h"
#include "jwt.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOC_MAX ((size_t)1 << 20)
#define WELL_KNOWN "/.well-known/openid-configuration"
#define WHAT "the ID token"

/* ---- fetching the issuer's keys ----------------------------------------------- */

/* https://..., or http:// to a loopback address (tests, a local issuer). */
static bool url_ok(const char *url)
{
	char host[256];
	const char *h, *end;
	size_t n;

	if (!strncmp(url, "https://", 8))
		return url[8] != '\0';
	if (strncmp(url, "http://", 7) != 0)
		return false;
	h = url + 7;
	end = h[0] == '[' ? strchr(h, ']') : h + strcspn(h, ":/?#");
	if (!end)
		return false;
	if (h[0] == '[')
		end++;
	n = (size_t)(end - h);
	if (!n || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return gh_is_loopback(host);
}

/* GET `url` (no credentials) and parse the JSON object it answers. */
static int fetch_json(cJSON **out, const char *url, const char *what,
		      const struct provenance_opts *o)
{
	struct gh_options opt = { .max_attempts = o->max_attempts, .timeout_s = o->timeout_s };
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	struct gh_client *c = NULL;
	size_t n = strcspn(url, "?#");
	char *base = strndup(url, n);
	int rc = -1;

	*out = NULL;
	if (!base)
		return log_oom();
	opt.api_url = base;
	if (gh_client_new(&c, &opt) < 0)
		goto out;
	req.method = "GET";
	req.path = url[n] == '?' ? url + n : "";
	req.accept = "application/json";
	req.what = what;
	req.body_max = DOC_MAX;
	if (gh_request(c, &req, &resp) < 0)
		goto out;
	if (resp.status != 200) {
		/* not GitHub's API: gh_fail's hints would mislead */
		log_error("%s: HTTP %ld", what, resp.status);
		goto out;
	}
	rc = gh_parse_json(out, &req, &resp, GH_JSON_OBJECT);
out:
	gh_response_release(&resp);
	gh_client_free(c);
	free(base);
	return rc;
}

/* The JWKS of the issuer, by discovery.  Fetched once per run: one
 * dispatch is verified per run, so the run's cache is this one answer. */
static int fetch_jwks(cJSON **jwks, const struct provenance_opts *o)
{
	struct buf url = BUF_INIT, what = BUF_INIT;
	cJSON *disc = NULL;
	const char *iss, *jwks_uri;
	size_t n = strlen(o->issuer);
	int rc = -1;

	*jwks = NULL;
	while (n && o->issuer[n - 1] == '/')
		n--;
	buf_add(&url, o->issuer, n);
	buf_adds(&url, WELL_KNOWN);
	buf_addf(&what, "reading the OIDC discovery document of '%s'", o->issuer);
	if (buf_failed(&url) || buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	if (fetch_json(&disc, url.ptr, what.ptr, o) < 0)
		goto out;
	iss = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(disc, "issuer"));
	jwks_uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(disc, "jwks_uri"));
	if (!iss || strlen(iss) != n || strncmp(iss, o->issuer, n) != 0) {
		log_error("%s: it names another issuer ('%.200s'): check input 'oidc-issuer'",
			  what.ptr, iss ? iss : "(none)");
		goto out;
	}
	if (!jwks_uri || !url_ok(jwks_uri)) {
		log_error("%s: its 'jwks_uri' is missing or not https", what.ptr);
		goto out;
	}
	buf_reset(&what);
	buf_addf(&what, "reading the OIDC keys of '%s'", o->issuer);
	if (buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	rc = fetch_json(jwks, jwks_uri, what.ptr, o);
out:
	cJSON_Delete(disc);
	buf_release(&url);
	buf_release(&what);
	return rc;
}

/* The RSA key `kid` of the JWKS: its n and e. */
static int find_key(const cJSON *jwks, const char *kid, const char **n, const char **e)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(jwks, "keys")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "kid"));
		const char *kty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "kty"));

		if (!id || strcmp(id, kid) != 0)
			continue;
		*n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "n"));
		*e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "e"));
		if (!kty || strcmp(kty, "RSA") != 0 || !*n || !*e) {
			log_error("%s: the issuer's key '%.64s' is not an RSA key", WHAT, kid);
			return -1;
		}
		return 0;
	}
	log_error("%s: its key id (header 'kid') '%.64s' is not among the issuer's keys", WHAT,
		  kid);
	return -1;
}

/* ---- the claims ----------------------------------------------------------------- */

static const char *claim_str(const cJSON *claims, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, name));
}

static int missing(const char *name)
{
	log_error("%s has no claim '%s'", WHAT, name);
	return -1;
}

static int check_times(const cJSON *claims, long long now)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf");
	const cJSON *iat = cJSON_GetObjectItemCaseSensitive(claims, "iat");

	if (!cJSON_IsNumber(exp))
		return missing("exp");
	if ((double)now > exp->valuedouble + PROVENANCE_LEEWAY) {
		log_error("%s: claim 'exp' says it expired %.0f s ago", WHAT,
			  (double)now - exp->valuedouble);
		return -1;
	}
	if (nbf && (!cJSON_IsNumber(nbf) || nbf->valuedouble > (double)now + PROVENANCE_LEEWAY)) {
		log_error("%s: claim 'nbf' says it is not valid before %.0f s from now", WHAT,
			  cJSON_IsNumber(nbf) ? nbf->valuedouble - (double)now : 0.0);
		return -1;
	}
	if (iat && (!cJSON_IsNumber(iat) || iat->valuedouble > (double)now + PROVENANCE_LEEWAY)) {
		log_error("%s: claim 'iat' says it was issued %.0f s in the future", WHAT,
			  cJSON_IsNumber(iat) ? iat->valuedouble - (double)now : 0.0);
		return -1;
	}
	return 0;
}

static int check_audience(const cJSON *claims, const char *audience)
{
	const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud"), *a;

	if (cJSON_IsString(aud) && strcmp(aud->valuestring, audience) == 0)
		return 0;
	for (a = cJSON_IsArray(aud) ? aud->child : NULL; a; a = a->next)
		if (cJSON_IsString(a) && strcmp(a->valuestring, audience) == 0)
			return 0;
	log_error("%s: claim 'aud' is %s%.200s%s, not this repository's '%s' (the sender's "
		  "'repository' input must name this GitOps repository)", WHAT,
		  cJSON_IsString(aud) ? "'" : "", cJSON_IsString(aud) ? aud->valuestring :
		  aud ? "another list" : "missing", cJSON_IsString(aud) ? "'" : "", audience);
	return -1;
}

/* The claim `name` equals the payload's source.`field` (`fold`: ignoring
 * case, as GitHub names are). */
static int check_equal(const cJSON *claims, const char *name, const char *field,
		       const char *want, bool fold)
{
	const char *got = claim_str(claims, name);

	if (!got)
		return missing(name);
	if (want && (fold ? strcasecmp(got, want) : strcmp(got, want)) == 0)
		return 0;
	log_error("%s: claim '%s' is '%.200s', but the payload's source.%s is '%.200s'", WHAT,
		  name, got, field, want ? want : "(missing)");
	return -1;
}

static int check_not_pull_request(const cJSON *claims)
{
	const char *ref = claim_str(claims, "ref"), *ev = claim_str(claims, "event_name");

	if (ref && !strncmp(ref, "refs/pull/", 10)) {
		log_error("%s: claim 'ref' is the pull request ref '%.200s': a pull request "
			  "workflow cannot deploy", WHAT, ref);
		return -1;
	}
	if (ev && (!strcmp(ev, "pull_request") || !strcmp(ev, "pull_request_target"))) {
		log_error("%s: claim 'event_name' is '%s': a pull request workflow cannot deploy",
			  WHAT, ev);
		return -1;
	}
	return 0;
}

static int check_workflow(const cJSON *claims, const struct provenance_opts *o)
{
	const char *jwr = claim_str(claims, "job_workflow_ref");

	if (!o->nworkflows)
		return 0;
	if (!jwr)
		return missing("job_workflow_ref");
	for (size_t i = 0; i < o->nworkflows; i++)
		if (fnmatch(o->workflows[i], jwr, FNM_PATHNAME) == 0)
			return 0;
	log_error("%s: claim 'job_workflow_ref' is '%.300s', which input 'allowed-workflows' "
		  "does not allow", WHAT, jwr);
	return -1;
}

static int check_claims(const cJSON *claims, const struct payload *pl,
			const struct provenance_opts *o)
{
	const char *iss = claim_str(claims, "iss");
	size_t n = strlen(o->issuer);

	while (n && o->issuer[n - 1] == '/')
		n--;
	if (!iss)
		return missing("iss");
	if (strlen(iss) != n || strncmp(iss, o->issuer, n) != 0) {
		log_error("%s: claim 'iss' is '%.200s', not input 'oidc-issuer' '%s'", WHAT, iss,
			  o->issuer);
		return -1;
	}
	if (check_times(claims, o->now) < 0 || check_audience(claims, o->audience) < 0 ||
	    check_not_pull_request(claims) < 0 ||
	    check_equal(claims, "repository", "repository", pl->repository, true) < 0 ||
	    check_equal(claims, "ref", "ref", pl->ref, false) < 0 ||
	    check_equal(claims, "sha", "sha", pl->sha, false) < 0 || check_workflow(claims, o) < 0)
		return -1;
	return 0;
}

static int keep(char **dst, const char *s)
{
	return s && !(*dst = strdup(s)) ? log_oom() : 0;
}

int provenance_verify(struct provenance *out, const struct payload *pl,
		      const struct provenance_opts *o)
{
	struct jwt jwt;
	cJSON *jwks = NULL, *claims = NULL;
	const char *n = NULL, *e = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	jwt_init(&jwt);
	if (!pl->oidc_token) {
		log_error("input 'require-provenance' is true, but the dispatch carries no ID token "
			  "(client_payload.source.oidc_token): set 'provenance: true' on the sender, "
			  "with 'permissions: id-token: write'");
		goto out;
	}
	if (!url_ok(o->issuer)) {
		log_error("input 'oidc-issuer' must be an https URL, not '%s'", o->issuer);
		goto out;
	}
	if (jwt_parse(&jwt, pl->oidc_token, strlen(pl->oidc_token), WHAT) < 0)
		goto out;
	if (!jwt.kid) {
		log_error("%s names no key (header 'kid')", WHAT);
		goto out;
	}
	if (fetch_jwks(&jwks, o) < 0 || find_key(jwks, jwt.kid, &n, &e) < 0 ||
	    jwt_verify_rs256(&jwt, n, e, WHAT) < 0)
		goto out;
	errno = 0;
	claims = cJSON_ParseWithLength(buf_cstr(&jwt.claims), jwt.claims.len);
	if (!claims && errno == ENOMEM) {
		rc = log_oom();
		goto out;
	}
	if (!claims) { /* jwt_parse read them as an object already */
		log_error("%s: its claims do not parse", WHAT);
		goto out;
	}
	if (check_claims(claims, pl, o) < 0)
		goto out;
	if (keep(&out->repository, claim_str(claims, "repository")) < 0 ||
	    keep(&out->ref, claim_str(claims, "ref")) < 0 ||
	    keep(&out->sha, claim_str(claims, "sha")) < 0 ||
	    keep(&out->job_workflow_ref, claim_str(claims, "job_workflow_ref")) < 0 ||
	    keep(&out->kid, jwt.kid) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		provenance_release(out);
	cJSON_Delete(claims);
	cJSON_Delete(jwks);
	jwt_release(&jwt);
	return rc;
}

int provenance_check_workflows(char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *at = strchr(lines[i], '@'), *wf = strstr(lines[i], "/.github/workflows/");

		if (!at || !wf || wf > at || !at[1]) {
			log_error("input 'allowed-workflows' line %zu must be "
				  "'owner/repo/.github/workflows/FILE@REF' (globs allowed), not '%s'",
				  i + 1, lines[i]);
			return -1;
		}
	}
	return 0;
}

void provenance_release(struct provenance *p)
{
	free(p->repository);
	free(p->ref);
	free(p->sha);
	free(p->job_workflow_ref);
	free(p->kid);
	memset(p, 0, sizeof(*p));
}
