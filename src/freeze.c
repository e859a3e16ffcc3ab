/* freeze: see freeze.h for the contract. */
#include "freeze.h"

#include "buf.h"
#include "log.h"
#include "yamlpath.h"
#include "yamlscan.h"

#include <stdlib.h>
#include <string.h>

#define FREEZE_PATH "metadata.annotations.\"" FREEZE_ANNOTATION "\""

static long line_of(const char *s, size_t off)
{
	long line = 1;

	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

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

int freeze_find(const char *yaml, size_t len, char **reason, long *line)
{
	struct ypath p = YPATH_INIT;
	struct ys_scan s;
	int rc = -1;

	*reason = NULL;
	*line = 0;
	memset(&s, 0, sizeof(s));
	if (ypath_parse(&p, FREEZE_PATH, NULL, "the freeze annotation") < 0)
		return -1;
	s.paths = &p;
	s.npaths = 1;
	s.lean = true;
	rc = 0;
	if (ys_run(&s, yaml, len) < 0)
		goto out; /* not YAML: the editor, which reads it next, says so */
	for (size_t i = 0; i < s.nhits; i++) {
		const struct ys_node *n = &s.hits[i].node;

		if (s.hits[i].kind != YS_HIT_TARGET || n->type != YS_SCALAR || n->null || !n->len)
			continue;
		if (!(*reason = one_line(n->value, n->len))) {
			rc = log_oom();
			goto out;
		}
		*line = line_of(yaml, n->start);
		rc = 1;
		break;
	}
out:
	ys_release(&s);
	ypath_release(&p);
	return rc;
}
