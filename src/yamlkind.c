/* yamlkind: see yamlkind.h. */
#include "yamlkind.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>

int yk_init(struct yk_table *t, size_t nedits)
{
	memset(t, 0, sizeof(*t));
	t->ed = calloc(nedits + 1, sizeof(*t->ed));
	t->ned = nedits;
	return t->ed ? 0 : -1;
}

void yk_release(struct yk_table *t)
{
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	for (size_t e = 0; t->ed && e < t->ned; e++)
		free(t->ed[e].st);
	free(t->names);
	free(t->name_len);
	free(t->doc);
	free(t->ed);
	memset(t, 0, sizeof(*t));
}

/* The index of kind `kind`, added when new; YK_NONE when out of memory. */
static size_t intern(struct yk_table *t, const char *kind, size_t len)
{
	size_t alloc = t->names_alloc;
	char *copy;

	for (size_t i = 0; i < t->nnames; i++)
		if ((!kind && !t->names[i]) || (kind && t->names[i] && t->name_len[i] == len &&
						!memcmp(t->names[i], kind, len)))
			return i;
	if (buf_grow_array(&t->names, &t->names_alloc, t->nnames, sizeof(*t->names)) < 0 ||
	    buf_grow_array(&t->name_len, &alloc, t->nnames, sizeof(*t->name_len)) < 0)
		return YK_NONE;
	copy = kind ? malloc(len + 1) : NULL;
	if (kind && !copy)
		return YK_NONE;
	if (copy) {
		memcpy(copy, kind, len);
		copy[len] = '\0';
	}
	t->names[t->nnames] = copy;
	t->name_len[t->nnames] = len;
	return t->nnames++;
}

int yk_doc(struct yk_table *t, const char *kind, size_t len)
{
	size_t k = intern(t, kind, len);

	if (k == YK_NONE || buf_grow_array(&t->doc, &t->docs_alloc, t->ndocs, sizeof(*t->doc)) < 0)
		return -1;
	t->doc[t->ndocs++] = k;
	return 0;
}

static struct yk_stat *stat_of(struct yk_edit *ed, size_t kind)
{
	for (size_t i = 0; i < ed->n; i++)
		if (ed->st[i].kind == kind)
			return &ed->st[i];
	if (buf_grow_array(&ed->st, &ed->alloc, ed->n, sizeof(*ed->st)) < 0)
		return NULL;
	memset(&ed->st[ed->n], 0, sizeof(*ed->st));
	ed->st[ed->n].kind = kind;
	return &ed->st[ed->n++];
}

int yk_note(struct yk_table *t, size_t edit, size_t doc, bool target, size_t depth)
{
	struct yk_stat *s;

	if (edit >= t->ned || doc >= t->ndocs || !t->ed[edit].limited)
		return 0;
	s = stat_of(&t->ed[edit], t->doc[doc]);
	if (!s)
		return -1;
	if (target) {
		s->target = true;
	} else if (!s->creatable || depth > s->depth) {
		s->creatable = true;
		s->depth = depth;
	}
	return 0;
}

/* One edit: 0, or 1 for a tie. */
static int decide_edit(struct yk_edit *ed)
{
	bool any_target = false;
	size_t best = 0, nbest = 0;

	for (size_t i = 0; i < ed->n; i++)
		any_target |= ed->st[i].target;
	for (size_t i = 0; !any_target && i < ed->n; i++)
		if (ed->st[i].creatable && ed->st[i].depth > best)
			best = ed->st[i].depth;
	for (size_t i = 0; i < ed->n; i++) {
		struct yk_stat *s = &ed->st[i];

		s->allow = any_target ? s->target : s->creatable && s->depth == best;
		nbest += !any_target && s->allow;
	}
	return nbest > 1;
}

size_t yk_decide(struct yk_table *t)
{
	size_t tie = YK_NONE;

	t->decided = true;
	for (size_t e = 0; e < t->ned; e++)
		if (t->ed[e].limited && decide_edit(&t->ed[e]) && tie == YK_NONE)
			tie = e;
	return tie;
}

bool yk_restricts(const struct yk_table *t)
{
	for (size_t e = 0; t->decided && e < t->ned; e++)
		for (size_t i = 0; t->ed[e].limited && i < t->ed[e].n; i++)
			if (t->ed[e].st[i].creatable && !t->ed[e].st[i].allow)
				return true;
	return false;
}

bool yk_allows(const struct yk_table *t, size_t edit, size_t doc)
{
	const struct yk_edit *ed;

	if (!t->decided || !t->ed || edit >= t->ned || !t->ed[edit].limited ||
	    doc >= t->ndocs)
		return true;
	ed = &t->ed[edit];
	for (size_t i = 0; i < ed->n; i++)
		if (ed->st[i].kind == t->doc[doc])
			return ed->st[i].allow;
	return false;
}

int yk_kinds_tied(const struct yk_table *t, size_t edit, struct buf *out, const char **first)
{
	const struct yk_edit *ed = &t->ed[edit];
	bool sep = false;

	*first = NULL;
	for (size_t i = 0; i < ed->n; i++) {
		const char *name = t->names[ed->st[i].kind];

		if (!ed->st[i].allow)
			continue;
		buf_adds(out, sep ? ", " : "");
		buf_adds(out, name ? name : "(no kind)");
		if (name && !*first)
			*first = name;
		sep = true;
	}
	return buf_failed(out) ? -1 : 0;
}

bool yk_path_limited(const struct ypath *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->seg[i].kind == YPATH_MATCH && p->seg[i].key_len == 4 &&
		    !memcmp(p->seg[i].key, "kind", 4))
			return false;
	return true;
}
