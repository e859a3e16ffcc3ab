/*
 * fuzz_yamledit: the YAML editor (yamledit.h): find, splice, verify.
 *
 * Input: YAML, a NUL, a path (or "marker:NAME", or "elem:PATH" for a set
 * with create_element), a NUL, the value.
 *
 * Invariants of an accepted edit, checked with libyaml's document loader
 * and a path resolver written here, apart from the editor's own scan:
 *   - the input has no undefined alias (libyaml's event parser lets one
 *     through, its loader does not: the editor must refuse it);
 *   - the output loads, into as many documents as the input (when the
 *     input loads: libyaml's loader also refuses an anchor defined twice
 *     in a document, which YAML and go-yaml allow, and so does the editor);
 *   - `set`: the path resolves in at least one document ([key=value] on
 *     a mapping is a filter: yamlpath.h), and every scalar
 *     it reaches in any document reads back exactly the value; a plain
 *     scalar among them is a string under YAML 1.1 and 1.2 (not a bool,
 *     null, number or date for go-yaml or a 1.2 loader: not_a_string()),
 *     or a bool, int or float literal that they all read alike (a typed
 *     target keeps its type: typed_literal());
 *   - `marker`: some scalar value holds "<NAME>value</NAME>", and no scalar
 *     value (keys are left alone) holds "<NAME>" with other text before its
 *     "</NAME>";
 *   - no change reported: the output is the input, byte for byte;
 *   - applying the same edit to the output changes nothing (idempotent);
 * and a refused edit leaves the output buffer as it was.
 */
#include "fuzz.h"

#include "buf.h"
#include "yamledit.h"
#include "yamlpath.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DOCS 64

struct check {
	const struct yedit *ed;
	struct ypath path;
	size_t found;
	bool tags; /* the text has a '!': a plain scalar may be tagged !!str */
};

/*
 * A plain scalar some loader would not read as a string: YAML 1.1
 * (yaml.org/type), the YAML 1.2 core schema, and go-yaml v2 and v3 as
 * resolve.go reads a plain scalar.  go-yaml drops every '_' from one that
 * starts with a digit or a sign, then takes what strconv.ParseInt or
 * ParseUint read with base 0 (0x, 0X, 0b, 0B, 0o, 0O, leading 0) and
 * hands ParseFloat only what matches its yamlStyleFloat pattern: "+inf",
 * "-nan" and the hex float "0x1p3" stay strings there, as in YAML 1.1 and
 * 1.2.  One that starts with '.' goes to ParseFloat as written: ".5e3".
 */
static bool not_a_string(const char *v, size_t n)
{
	static const char *const res[] = {
		/* YAML 1.1 and 1.2 core: null, bool, merge, value */
		"^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|"
		"FALSE|on|On|ON|off|Off|OFF|<<|=)$",
		/* ints: binary, octal (1.1 and 1.2), decimal, hex, base 60 */
		"^[-+]?(0b[01_]+|0[0-7_]+|0o[0-7]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|"
		"[1-9][0-9_]*(:[0-5]?[0-9])+)$",
		/* floats */
		"^[-+]?(([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+|"
		"[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|\\.(inf|Inf|INF))$",
		"^\\.(nan|NaN|NAN)$",
		/* timestamps (go-yaml: hours, minutes, seconds of one digit too) */
		"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}"
		"(\\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$",
		/* go-yaml, from '.': ParseFloat, which takes '_' between digits */
		"^\\.[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?$",
	};
	/* go-yaml, from a digit or a sign, '_' dropped: ParseInt/ParseUint
	 * with base 0, then yamlStyleFloat */
	static const char go_number[] =
		"^[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+|"
		"(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?)$";
	static regex_t re[sizeof(res) / sizeof(*res)], go;
	static bool compiled;
	char *s;
	bool hit = false;

	if (n == 0)
		return true; /* an empty plain scalar is null */
	if (!compiled) {
		for (size_t i = 0; i < sizeof(res) / sizeof(*res); i++)
			if (regcomp(&re[i], res[i], REG_EXTENDED | REG_NOSUB) != 0)
				abort();
		if (regcomp(&go, go_number, REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		compiled = true;
	}
	if (memchr(v, '\0', n))
		return false;
	s = strndup(v, n);
	FUZZ_ASSERT(s);
	if (strcmp(s, ".") != 0)
		for (size_t i = 0; i < sizeof(res) / sizeof(*res) && !hit; i++)
			hit = regexec(&re[i], s, 0, NULL, 0) == 0;
	if (!hit && strchr("+-0123456789", s[0])) {
		char *w = s;

		for (const char *t = s; *t; t++)
			if (*t != '_')
				*w++ = *t;
		*w = '\0';
		hit = regexec(&go, s, 0, NULL, 0) == 0;
	}
	free(s);
	return hit;
}

/* A literal every loader reads as the same bool, int or float: what the
 * editor may write plain over a typed scalar (yamlquote.h's yq_typed_ok,
 * restated from YAML 1.1's and 1.2's patterns; 64-bit range not checked). */
static bool typed_literal(const char *v, size_t n)
{
	static const char both[] =
		"^(true|True|TRUE|false|False|FALSE|[-+]?(0|[1-9][0-9]*)|"
		"[-+]?[0-9]+\\.[0-9]*([eE][-+][0-9]+)?|\\.[0-9]+([eE][-+][0-9]+)?|"
		"[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$";
	static regex_t re;
	static bool compiled;
	char *s;
	bool hit;

	if (!compiled) {
		if (regcomp(&re, both, REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		compiled = true;
	}
	if (n == 0 || memchr(v, '\0', n))
		return false;
	s = strndup(v, n);
	FUZZ_ASSERT(s);
	hit = regexec(&re, s, 0, NULL, 0) == 0;
	free(s);
	return hit;
}

static const yaml_node_t *node(yaml_document_t *doc, yaml_node_item_t id)
{
	return yaml_document_get_node(doc, id);
}

static bool scalar_is(const yaml_node_t *n, const char *s, size_t len)
{
	return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
	       memcmp(n->data.scalar.value, s, len) == 0;
}

static void target(struct check *c, const yaml_node_t *n)
{
	FUZZ_ASSERT(scalar_is(n, c->ed->value, c->ed->value_len));
	/* the loader gives every scalar a tag, so an explicit !!str cannot be
	 * told apart: check plain scalars only in text without tags */
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !c->tags)
		FUZZ_ASSERT(!not_a_string(c->ed->value, c->ed->value_len) ||
			    typed_literal(c->ed->value, c->ed->value_len));
	c->found++;
}

/* Mapping m has [key=value] selector s's key with its value. */
static bool holds_pair(yaml_document_t *doc, const yaml_node_t *m, const struct ypath_seg *s)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (scalar_is(node(doc, p->key), s->key, s->key_len) &&
		    scalar_is(node(doc, p->value), s->value, s->value_len))
			return true;
	return false;
}

/* Follow segment i on from node n (the loader shares aliased nodes):
 * [key=value] selects the matching elements of a sequence and filters a
 * mapping. */
static void resolve(struct check *c, yaml_document_t *doc, const yaml_node_t *n, size_t i,
		    int depth)
{
	const struct ypath_seg *s;

	if (!n || depth > 200)
		return;
	if (i == c->path.n) {
		target(c, n);
		return;
	}
	s = &c->path.seg[i];
	if (s->kind == YPATH_MATCH && n->type == YAML_MAPPING_NODE) {
		/* a filter: this mapping, when its key holds the value */
		if (holds_pair(doc, n, s))
			resolve(c, doc, n, i + 1, depth + 1);
	} else if (s->kind == YPATH_KEY && n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++)
			if (scalar_is(node(doc, p->key), s->key, s->key_len))
				resolve(c, doc, node(doc, p->value), i + 1, depth + 1);
	} else if (s->kind != YPATH_KEY && n->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *it = n->data.sequence.items.start;
		size_t count = (size_t)(n->data.sequence.items.top - it);

		for (size_t k = 0; k < count; k++) {
			const yaml_node_t *el = node(doc, it[k]);
			bool take = s->kind == YPATH_ALL || (s->kind == YPATH_INDEX && s->index == k);

			if (s->kind == YPATH_MATCH && el && el->type == YAML_MAPPING_NODE)
				take = holds_pair(doc, el, s);
			if (take)
				resolve(c, doc, el, i + 1, depth + 1);
		}
	}
}

static bool is_key(yaml_document_t *doc, const yaml_node_t *n)
{
	for (yaml_node_t *m = doc->nodes.start; m < doc->nodes.top; m++) {
		if (m->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++)
			if (node(doc, p->key) == n)
				return true;
	}
	return false;
}

/* Every scalar value (keys keep their markers) holding "<NAME>": the text up
 * to "</NAME>" is the value. */
static void markers(struct check *c, yaml_document_t *doc)
{
	char open[YEDIT_MAX_MARKER + 3], close[YEDIT_MAX_MARKER + 4];
	size_t lo, lc;

	snprintf(open, sizeof(open), "<%s>", c->ed->name);
	snprintf(close, sizeof(close), "</%s>", c->ed->name);
	lo = strlen(open);
	lc = strlen(close);
	for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
		const char *v, *end, *at;

		if (n->type != YAML_SCALAR_NODE || is_key(doc, n))
			continue;
		v = (const char *)n->data.scalar.value;
		end = v + n->data.scalar.length;
		while ((at = memmem(v, (size_t)(end - v), open, lo))) {
			const char *shut = memmem(at + lo, (size_t)(end - at - lo), close, lc);

			if (!shut)
				break;
			FUZZ_ASSERT((size_t)(shut - at - lo) == c->ed->value_len &&
				    memcmp(at + lo, c->ed->value, c->ed->value_len) == 0);
			c->found++;
			v = shut + lc;
		}
	}
}

/* Load every document of `text` and check it; the number of documents, or
 * -1 when libyaml cannot load it (*problem, when not NULL, says why). */
static int load(struct check *c, const char *text, size_t len, const char **problem)
{
	yaml_parser_t parser;
	int docs = 0;

	FUZZ_ASSERT(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			if (problem)
				*problem = parser.problem ? parser.problem : "";
			docs = -1;
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		if (c) {
			if (c->ed->op == YEDIT_SET)
				resolve(c, &doc, root, 0, 0);
			else
				markers(c, &doc);
		}
		yaml_document_delete(&doc);
		if (++docs == MAX_DOCS)
			break;
	}
	yaml_parser_delete(&parser);
	return docs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *sep1, *sep2, *path, *value, *problem = "";
	char *path_copy = NULL;
	struct yedit ed;
	struct check c;
	struct buf out = BUF_INIT, again = BUF_INIT;
	bool differs = true, differs2 = true;
	size_t yaml_len, path_len;
	int rc, docs_in, docs_out;

	fuzz_quiet();
	sep1 = memchr(in, '\0', size);
	if (!sep1)
		return 0;
	sep2 = memchr(sep1 + 1, '\0', size - (size_t)(sep1 + 1 - in));
	if (!sep2)
		return 0;
	yaml_len = (size_t)(sep1 - in);
	path = sep1 + 1;
	path_len = (size_t)(sep2 - path);
	value = sep2 + 1;
	path_copy = strndup(path, path_len);
	FUZZ_ASSERT(path_copy);

	memset(&ed, 0, sizeof(ed));
	if (strncmp(path_copy, "marker:", 7) == 0) {
		ed.op = YEDIT_MARKER;
		ed.name = path_copy + 7;
	} else if (strncmp(path_copy, "elem:", 5) == 0) {
		ed.op = YEDIT_SET;
		ed.path = path_copy + 5;
		ed.create_element = true;
	} else {
		ed.op = YEDIT_SET;
		ed.path = path_copy;
	}
	ed.value = value;
	ed.value_len = size - (size_t)(value - in);

	buf_adds(&out, "pre");
	rc = yedit_apply(&out, in, yaml_len, &ed, 1, "fuzz.yaml", &differs);
	if (rc < 0) {
		FUZZ_ASSERT(out.len == 3 && memcmp(out.ptr, "pre", 3) == 0);
		goto done;
	}
	FUZZ_ASSERT(rc == 0);
	if (!differs)
		FUZZ_ASSERT(out.len - 3 == yaml_len && memcmp(out.ptr + 3, in, yaml_len) == 0);

	memset(&c, 0, sizeof(c));
	c.ed = &ed;
	if (ed.op == YEDIT_SET)
		FUZZ_ASSERT(ypath_parse(&c.path, ed.path, NULL, NULL) == 0);
	c.tags = memchr(out.ptr + 3, '!', out.len - 3) != NULL;
	/* an input the loader refuses (an anchor defined twice) cannot be read
	 * back either; an undefined alias must have been refused */
	docs_in = load(NULL, in, yaml_len, &problem);
	FUZZ_ASSERT(docs_in >= 0 || strcmp(problem, "found undefined alias") != 0);
	if (docs_in >= 0) {
		docs_out = load(&c, out.ptr + 3, out.len - 3, NULL);
		FUZZ_ASSERT(docs_out == docs_in);
		if (docs_out < MAX_DOCS)
			FUZZ_ASSERT(c.found > 0);
	}
	ypath_release(&c.path);

	/* the same edit again: nothing left to change */
	FUZZ_ASSERT(yedit_apply(&again, out.ptr + 3, out.len - 3, &ed, 1, "fuzz.yaml",
				&differs2) == 0);
	FUZZ_ASSERT(!differs2);
	FUZZ_ASSERT(again.len == out.len - 3 && memcmp(again.ptr, out.ptr + 3, again.len) == 0);
done:
	buf_release(&out);
	buf_release(&again);
	free(path_copy);
	return 0;
}
