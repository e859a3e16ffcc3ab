/* Unit tests for imageref: the reference grammar and repository equality. */
#include "capture.h"
#include "imageref.h"
#include "t.h"

#include <string.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static bool parses(const char *s)
{
	struct imageref r;
	int rc = imageref_parse(&r, s, strlen(s), NULL);

	imageref_release(&r);
	return rc == 0;
}

static void test_parts(void)
{
	struct imageref r;

	CHECK(imageref_parse(&r, "nginx", 5, NULL) == 0);
	CHECK_STR(r.name, "nginx");
	CHECK(r.domain == NULL && r.tag == NULL && r.digest == NULL);
	CHECK_STR(r.canon, "docker.io/library/nginx");
	imageref_release(&r);

	const char *s = "registry.example.com:5000/team/app:v1.2.3@sha256:" D64;
	CHECK(imageref_parse(&r, s, strlen(s), NULL) == 0);
	CHECK_STR(r.domain, "registry.example.com:5000");
	CHECK_STR(r.path, "team/app");
	CHECK_STR(r.name, "registry.example.com:5000/team/app");
	CHECK_STR(r.tag, "v1.2.3");
	CHECK_STR(r.digest, "sha256:" D64);
	CHECK_STR(r.canon, "registry.example.com:5000/team/app");
	{
		struct buf b = BUF_INIT;

		CHECK(imageref_format(&b, &r) == 0);
		CHECK_STR(buf_cstr(&b), s);
		buf_release(&b);
	}
	imageref_release(&r);

	/* a port, not a tag: the ':' before the last '/' */
	CHECK(imageref_parse(&r, "localhost:5000/app", 18, NULL) == 0);
	CHECK_STR(r.domain, "localhost:5000");
	CHECK(r.tag == NULL);
	imageref_release(&r);
	CHECK(imageref_parse(&r, "localhost/app:1", 15, NULL) == 0);
	CHECK_STR(r.domain, "localhost");
	CHECK_STR(r.tag, "1");
	imageref_release(&r);
	/* no '.', ':' or localhost: a path component, Docker Hub's */
	CHECK(imageref_parse(&r, "bitnami/nginx:1.25", 18, NULL) == 0);
	CHECK(r.domain == NULL);
	CHECK_STR(r.canon, "docker.io/bitnami/nginx");
	imageref_release(&r);
	CHECK(imageref_parse(&r, "[::1]:5000/app", 14, NULL) == 0);
	CHECK_STR(r.domain, "[::1]:5000");
	imageref_release(&r);
}

static void test_grammar(void)
{
	CHECK(parses("a"));
	CHECK(parses("x/a_b__c-d---e.f/g:T_a.g-1"));
	CHECK(!parses("a_b.c/g"));              /* a domain by its dot, and not a host */
	CHECK(parses("ghcr.io/org/app@sha256:" D64));
	CHECK(parses("app:_x"));
	CHECK(parses("app@sha512:" D64 D64));
	CHECK(parses("app@multihash+base58:0123456789abcdef0123456789abcdef"));
	CHECK(!parses(""));
	CHECK(!parses("App"));                 /* upper case path */
	CHECK(!parses("org/App:1"));
	CHECK(!parses("a___b"));               /* three '_' */
	CHECK(!parses("a..b"));
	CHECK(!parses("-a"));
	CHECK(!parses("a-"));
	CHECK(!parses("a//b"));
	CHECK(!parses("a/"));
	CHECK(!parses("app:"));
	CHECK(!parses("app:-x"));              /* tag starts with '-' */
	CHECK(!parses("app:.x"));
	CHECK(!parses("app:a b"));
	CHECK(!parses("app:" "0123456789012345678901234567890123456789012345678901234567890123"
		      "45678901234567890123456789012345678901234567890123456789012345678"));
	CHECK(parses("app:" "0123456789012345678901234567890123456789012345678901234567890123"
		     "4567890123456789012345678901234567890123456789012345678901234567"));
	CHECK(!parses("app@sha256:abc"));      /* too short */
	CHECK(!parses("app@sha256:" D64 "0"));  /* sha256 is 64 */
	CHECK(!parses("app@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	CHECK(!parses("app@:" D64));
	CHECK(!parses("app@1sha:" D64));
	CHECK(!parses("app@sha256" D64));
	CHECK(!parses("host:port/app"));       /* port not a number */
	CHECK(!parses("-bad.io/app"));
	CHECK(!parses("bad_.io/app"));
	CHECK(!parses("a.io:123456/app"));
	CHECK(!parses("app:1@sha256:" D64 "@x"));
	CHECK(!parses("{{ .Values.image }}"));
	CHECK(!parses("$(IMAGE)"));
	{
		char big[300];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(!parses(big));            /* name longer than 255 */
		big[255] = '\0';
		CHECK(parses(big));
	}
	CHECK(imageref_parse(&(struct imageref)IMAGEREF_INIT, "a\0b", 3, NULL) < 0);
}

static void test_same(void)
{
	const char *hub[] = { "nginx", "library/nginx:1", "docker.io/nginx",
			      "docker.io/library/nginx@sha256:" D64,
			      "index.docker.io/library/nginx:latest" };
	struct imageref a, b;

	CHECK(imageref_parse(&a, "nginx:1.25", 10, NULL) == 0);
	for (size_t i = 0; i < sizeof(hub) / sizeof(*hub); i++) {
		CHECK(imageref_parse(&b, hub[i], strlen(hub[i]), NULL) == 0);
		CHECK(imageref_same(&a, &b));
		imageref_release(&b);
	}
	CHECK(imageref_same_name(&a, "docker.io/library/nginx", 23));
	CHECK(imageref_same_name(&a, "nginx", 5));
	CHECK(!imageref_same_name(&a, "nginx:1", 7));       /* a name, not a reference */
	CHECK(!imageref_same_name(&a, "bitnami/nginx", 13));
	CHECK(!imageref_same_name(&a, "ghcr.io/library/nginx", 21));
	CHECK(!imageref_same_name(&a, "quay.io/nginx", 13));
	imageref_release(&a);
	CHECK(imageref_parse(&a, "ghcr.io/org/app", 15, NULL) == 0);
	CHECK(imageref_same_name(&a, "ghcr.io/org/app", 15));
	CHECK(!imageref_same_name(&a, "org/app", 7));
	CHECK(!imageref_same_name(&a, "ghcr.io/org/app2", 16));
	CHECK(!imageref_same_name(&a, "GHCR.IO/org/app", 15));
	CHECK(imageref_mutable(&a));
	imageref_release(&a);
}

static void test_messages(void)
{
	struct imageref r;

	CHECK_FAILS(imageref_parse(&r, "Org/app:1", 9, "input 'image'"),
		    "input 'image' is not an image reference: 'Org/app:1' (the repository must "
		    "be lower case)");
	CHECK_FAILS(imageref_parse(&r, "app:", 4, "input 'image'"), "the tag after ':' is empty");
	CHECK_FAILS(imageref_parse(&r, "", 0, "input 'image'"), "it is empty");
	CHECK_FAILS(imageref_parse(&r, "app@sha256:12", 13, "input 'image'"),
		    "a sha256 digest has 64 hex digits");
}

int main(void)
{
	test_parts();
	test_grammar();
	test_same();
	test_messages();
	return t_done();
}
