/* imageref: see imageref.h for the contract. */
#include "imageref.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* component := [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )* */
static bool valid_component(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		size_t sep = 0;

		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.') {
			sep = 1;
		} else if (s[i] == '_') {
			sep = i + 1 < n && s[i + 1] == '_' ? 2 : 1;
		} else if (s[i] == '-') {
			while (i + sep < n && s[i + sep] == '-')
				sep++;
		} else {
			return false;
		}
		i += sep;
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* A DNS label: letters, digits, inner hyphens. */
static bool valid_label(const char *s, size_t n)
{
	if (!n || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* domain := host [ ':' port ] */
static const char *check_domain(const char *s, size_t n)
{
	const char *colon;
	size_t hn;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close || close == s + 1)
			return "an IPv6 registry needs its closing ']'";
		for (const char *p = s + 1; p < close; p++)
			if (!is_hex(*p) && !(*p >= 'A' && *p <= 'F') && *p != ':')
				return "the registry's IPv6 address holds other than hex digits and ':'";
		hn = (size_t)(close - s) + 1;
		colon = hn < n ? s + hn : NULL;
		if (colon && *colon != ':')
			return "the registry has text after its IPv6 address";
	} else {
		size_t start = 0;

		colon = memchr(s, ':', n);
		hn = colon ? (size_t)(colon - s) : n;
		for (size_t i = 0; i <= hn; i++) {
			if (i < hn && s[i] != '.')
				continue;
			if (!valid_label(s + start, i - start))
				return "the registry is not a host name (DNS labels joined by '.')";
			start = i + 1;
		}
	}
	if (colon) {
		size_t pn = n - (size_t)(colon - s) - 1;

		if (!pn || pn > 5 || strspn(colon + 1, "0123456789") < pn)
			return "the registry's port is not a number";
	}
	return NULL;
}

/* digest := algorithm ':' hex */
static const char *check_digest(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t an = colon ? (size_t)(colon - s) : 0, hn = colon ? n - an - 1 : 0;
	bool start = true;

	if (!colon || !an)
		return "the digest is not 'algorithm:hex'";
	for (size_t i = 0; i < an; i++) {
		char c = s[i];

		if (start && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return "the digest's algorithm is not a name";
		if (!start && strchr("+._-", c)) {
			if (i + 1 == an)
				return "the digest's algorithm is not a name";
			start = true;
			continue;
		}
		if (!is_alnum(c))
			return "the digest's algorithm is not a name";
		start = false;
	}
	for (size_t i = 0; i < hn; i++)
		if (!is_hex(colon[1 + i]))
			return "the digest is not lower-case hex";
	if (an == 6 && !memcmp(s, "sha256", 6) && hn != 64)
		return "a sha256 digest has 64 hex digits";
	if (an == 6 && !memcmp(s, "sha512", 6) && hn != 128)
		return "a sha512 digest has 128 hex digits";
	if (hn < 32)
		return "the digest has fewer than 32 hex digits";
	return NULL;
}

static const char *check_tag(const char *s, size_t n)
{
	if (!n)
		return "the tag after ':' is empty";
	if (n > IMAGEREF_MAX_TAG)
		return "the tag is longer than 128 characters";
	if (!is_word(s[0]))
		return "the tag starts with other than a letter, digit or '_'";
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return "the tag holds other than letters, digits, '_', '.' and '-'";
	return NULL;
}

/* Docker's rule: the first component names a registry when it holds '.'
 * or ':' or is localhost (and a path component cannot hold ':'). */
static bool first_is_domain(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !memcmp(s, "localhost", 9));
}

static const char *check_path(const char *s, size_t n)
{
	size_t start = 0;

	if (!n)
		return "the repository is empty";
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (!valid_component(s + start, i - start)) {
			for (size_t j = start; j < i; j++)
				if (s[j] >= 'A' && s[j] <= 'Z')
					return "the repository must be lower case";
			return "a repository component is not [a-z0-9] joined by '.', '_', '__' or '-'";
		}
		start = i + 1;
	}
	return NULL;
}

void imageref_release(struct imageref *r)
{
	free(r->name);
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r->canon);
	*r = (struct imageref)IMAGEREF_INIT;
}

static bool is_hub(const char *d, size_t n)
{
	return (n == 9 && !memcmp(d, "docker.io", 9)) ||
	       (n == 15 && !memcmp(d, "index.docker.io", 15));
}

/* The canonical name of domain `d` (NULL: implicit) and path `p`: 0, or -1
 * when memory ran out. */
static int canon_name(struct buf *out, const char *d, size_t dn, const char *p, size_t pn)
{
	if (!d || is_hub(d, dn)) {
		buf_adds(out, "docker.io/");
		if (!memchr(p, '/', pn))
			buf_adds(out, "library/");
	} else {
		buf_add(out, d, dn);
		buf_addc(out, '/');
	}
	buf_add(out, p, pn);
	return buf_failed(out) ? -1 : 0;
}

/* Split and check a name: the domain's length (0: none) or an error. */
static const char *split_name(const char *s, size_t n, size_t *dn)
{
	const char *slash = memchr(s, '/', n);
	const char *why;

	*dn = 0;
	if (!n)
		return "the repository is empty";
	if (n > IMAGEREF_MAX_NAME)
		return "the repository name is longer than 255 characters";
	if (slash && first_is_domain(s, (size_t)(slash - s))) {
		*dn = (size_t)(slash - s);
		if ((why = check_domain(s, *dn)))
			return why;
	}
	return check_path(s + (*dn ? *dn + 1 : 0), n - (*dn ? *dn + 1 : 0));
}

static char *dup_n(const char *s, size_t n)
{
	return strndup(s, n);
}

int imageref_parse(struct imageref *r, const char *s, size_t len, const char *what)
{
	const char *at, *colon = NULL, *why = NULL;
	size_t namelen, dn = 0;
	struct buf canon = BUF_INIT;
	int rc = -1;

	*r = (struct imageref)IMAGEREF_INIT;
	if (!len) {
		why = "it is empty";
		goto bad;
	}
	if (len > IMAGEREF_MAX_LEN || memchr(s, '\0', len)) {
		why = len > IMAGEREF_MAX_LEN ? "it is longer than 1024 bytes" : "it holds a NUL byte";
		goto bad;
	}
	at = memchr(s, '@', len);
	namelen = at ? (size_t)(at - s) : len;
	/* the tag's ':' is the last one after the last '/' */
	for (size_t i = namelen; i > 0 && s[i - 1] != '/'; i--)
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	if (at && (why = check_digest(at + 1, len - namelen - 1)))
		goto bad;
	if (colon && (why = check_tag(colon + 1, (size_t)(s + namelen - colon - 1))))
		goto bad;
	if (colon)
		namelen = (size_t)(colon - s);
	if ((why = split_name(s, namelen, &dn)))
		goto bad;
	if (!(r->name = dup_n(s, namelen)) ||
	    (dn && !(r->domain = dup_n(s, dn))) ||
	    !(r->path = dup_n(s + (dn ? dn + 1 : 0), namelen - (dn ? dn + 1 : 0))) ||
	    (colon && !(r->tag = dup_n(colon + 1, (size_t)(s + (at ? (size_t)(at - s) : len) -
								 colon - 1)))) ||
	    (at && !(r->digest = dup_n(at + 1, len - (size_t)(at - s) - 1))))
		goto oom;
	if (canon_name(&canon, r->domain, dn, r->path, strlen(r->path)) < 0 ||
	    !(r->canon = buf_detach(&canon, NULL)))
		goto oom;
	return 0;
oom:
	imageref_release(r);
	buf_release(&canon);
	if (what)
		return log_oom();
	errno = ENOMEM;
	return -1;
bad:
	errno = EINVAL;
	if (what)
		log_error("%s is not an image reference: '%.*s' (%s)", what,
			  (int)(len > 200 ? 200 : len), s, why);
	imageref_release(r);
	return rc;
}

bool imageref_same_name(const struct imageref *r, const char *name, size_t len)
{
	struct buf canon = BUF_INIT;
	size_t dn;
	bool same;

	errno = 0;
	if (memchr(name, '\0', len) || split_name(name, len, &dn))
		return false;
	if (canon_name(&canon, dn ? name : NULL, dn, name + (dn ? dn + 1 : 0),
		       len - (dn ? dn + 1 : 0)) < 0) {
		buf_release(&canon);
		errno = ENOMEM;
		return false;
	}
	same = r->canon && strcmp(canon.ptr, r->canon) == 0;
	buf_release(&canon);
	return same;
}

bool imageref_same(const struct imageref *a, const struct imageref *b)
{
	return a->canon && b->canon && strcmp(a->canon, b->canon) == 0;
}

int imageref_canon_domain(struct buf *out, const struct imageref *r)
{
	if (!r->domain || is_hub(r->domain, strlen(r->domain)))
		return buf_adds(out, "docker.io");
	return buf_adds(out, r->domain);
}

int imageref_format(struct buf *out, const struct imageref *r)
{
	buf_adds(out, r->name);
	if (r->tag)
		buf_addf(out, ":%s", r->tag);
	if (r->digest)
		buf_addf(out, "@%s", r->digest);
	return buf_error(out);
}

bool imageref_mutable(const struct imageref *r)
{
	return !r->digest;
}
