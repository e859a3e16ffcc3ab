/*
 * imageref: one container image reference, parsed once.
 *
 * The grammar is the distribution project's (reference/reference.go):
 *
 *   reference := name [ ':' tag ] [ '@' digest ]
 *   name      := [ domain '/' ] path
 *   domain    := host [ ':' port ]        host: DNS labels joined by '.', or
 *                                         an IPv6 address in brackets
 *   path      := component ( '/' component )*
 *   component := [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )*
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest    := algorithm ':' hex        algorithm: [A-Za-z][A-Za-z0-9]*
 *                                         joined by [+._-]; hex: 32 or more
 *                                         of [0-9a-f] (sha256: exactly 64,
 *                                         sha512: 128)
 *
 * The first component is the domain when it holds a '.' or a ':' or is
 * "localhost" (Docker's rule); a name is at most 255 bytes.
 *
 * Docker Hub's implicit spelling is the same repository as its explicit
 * ones: "nginx", "library/nginx", "docker.io/library/nginx" and
 * "index.docker.io/library/nginx" all have the canonical name
 * "docker.io/library/nginx".  Repositories are compared by that canonical
 * name (imageref_same()), never by position or by the text as written.
 *
 * Ownership: a parsed reference owns its strings; imageref_release()
 * frees them.  IMAGEREF_INIT is an empty reference.
 */
#ifndef GB_IMAGEREF_H
#define GB_IMAGEREF_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define IMAGEREF_MAX_NAME 255
#define IMAGEREF_MAX_TAG 128
#define IMAGEREF_MAX_LEN 1024

struct imageref {
	char *name;      /* the repository as written: [domain/]path */
	char *domain;    /* the domain as written, or NULL (implicit) */
	char *path;      /* the path as written, without the domain */
	char *tag;       /* NULL: none */
	char *digest;    /* "algo:hex", NULL: none */
	char *canon;     /* the canonical repository: docker.io/library/nginx */
};

#define IMAGEREF_INIT { NULL, NULL, NULL, NULL, NULL, NULL }

/*
 * Parse the `len` bytes at `s` (the whole of it is the reference).  With
 * `what` (the source: "input 'image'"), a bad reference is reported once
 * ("input 'image' is not an image reference: ...") and the call returns -1;
 * with `what` NULL nothing is printed (used to read what manifests hold).
 * Returns 0 or -1 (r left empty).  With `what` NULL nothing is reported
 * and errno tells why: EINVAL (not a reference) or ENOMEM (memory ran out),
 * so that a caller looking through a file never takes the one for the other.
 */
int imageref_parse(struct imageref *r, const char *s, size_t len, const char *what);

void imageref_release(struct imageref *r);

/* Is `name` (`len` bytes, a repository without tag or digest, as
 * kustomize's `name:` or a chart's `repository:` writes it) the same
 * repository as r's?  False for what is not a valid name, and false with
 * errno ENOMEM when memory ran out (errno 0 otherwise). */
bool imageref_same_name(const struct imageref *r, const char *name, size_t len);

/* Same repository (canonical names equal). */
bool imageref_same(const struct imageref *a, const struct imageref *b);

/* The canonical domain of a name as written ("docker.io" for an implicit or
 * index.docker.io one) into `out`.  0, or -1 with the buffer failed. */
int imageref_canon_domain(struct buf *out, const struct imageref *r);

/* Append "name[:tag][@digest]" (the reference as it is written back). */
int imageref_format(struct buf *out, const struct imageref *r);

/* Does the reference pull a mutable tag (no digest)?  A reference with
 * neither pulls "latest". */
bool imageref_mutable(const struct imageref *r);

#endif
