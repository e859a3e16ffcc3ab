/* freeze: see freeze.h for the contract. */
#include "freeze.h"

#include "buf.h"
#include "log.h"
#include "yamlpath.h"
#include "yamlscan.h"

#include <stdlib.h>
#include <string.h>

#define FREEZE_PATH "metadata.annotations.\"" FREEZE_ANNOTATION "\""

/* The reason on one line: control characters become spaces, cut with "...". */
static char *one_line(const char *v, size_t len)
{
	struct buf b = BUF_INIT;
	size_t n = len < FREEZE_REASON_MAX ? len : FREEZE_REASON_MAX;

	while (n < len && n && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--; /* cut at a character boundary */
	for (size_t i = 0; i < n; i++)
		buf_addc(&b, (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? ' ' : v[i]);
	if (n < len)
		buf_adds(&b, "...");
	if (buf_failed(&b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

struct found {
	const char *yaml;
	const struct ypath *p;
	char *reason;
	long line;
	int rc;
};

/* The first target that holds a reason. */
static int on_hit(void *arg, const struct ys_doc *d, const struct ys_hit *h)
{
	struct found *f = arg;
	const struct ys_node *n = &d->nodes[h->node];

	if (f->rc || h->kind != YS_HIT_TARGET || n->type != YS_SCALAR || n->null || !n->vlen)
		return 0;
	if (!(f->reason = one_line(ys_value(d, n), n->vlen))) {
		f->rc = log_oom();
		return -1;
	}
	f->line = ys_line(f->yaml, n->b0, n->b0);
	f->rc = 1;
	return -1; /* found: stop */
}

static int on_doc(void *arg, const struct ys_doc *d)
{
	struct found *f = arg;

	return ys_follow(d, f->p, on_hit, f);
}

int freeze_find(const char *yaml, size_t len, char **reason, long *line)
{
	struct ypath p = YPATH_INIT;
	struct found f = { yaml, &p, NULL, 0, 0 };
	struct ys_read r;

	*reason = NULL;
	*line = 0;
	memset(&r, 0, sizeof(r));
	if (ypath_parse(&p, FREEZE_PATH, NULL, "the freeze annotation") < 0)
		return -1;
	r.paths = &p;
	r.npaths = 1;
	r.on_doc = on_doc;
	r.arg = &f;
	/* not YAML: the editor, which reads it next, says so */
	ys_run(&r, yaml, len);
	ypath_release(&p);
	*reason = f.reason;
	*line = f.line;
	return f.rc;
}
