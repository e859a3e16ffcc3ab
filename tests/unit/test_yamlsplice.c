/*
 * Unit tests for yamlsplice: the splice's order and overlaps on changes made
 * by hand, and the check, ysp_check(): the changed documents of the output
 * must read back as the input's, event for event outside the written text,
 * and each written region must hold the nodes it was meant to hold, at its
 * level, and read back its value.
 *
 * No input makes the planner write a wrong output (that is the point of
 * the planner's own tests), so no black-box test can show that the check
 * works.  These tests plan and splice a real edit, then damage the spliced
 * bytes as a planner bug would (a byte outside the target, the written
 * value, an indentation, a document marker), keeping every length so the
 * splice's offsets stay true, and check that ysp_check() refuses at the
 * damaged line, and that it passes the undamaged output quietly.  To plan
 * real edits the test includes the planner's source (yamledit.c), whose
 * round is static.
 */
#include "capture.h"
#include "t.h"

#include "yamledit.c"

struct planned {
	struct ctx cx;
	struct ysp_plan pl;
	struct buf out;
	struct yedit ed[2];
};

/* Plan `path=value` (and a second edit, when path2 is set) on `in` and
 * splice it into p->out, as yedit_apply's first round does.  A path
 * "<NAME" is the marker NAME; "+PATH" is PATH with create_element. */
static int plan(struct planned *p, const char *in, const char *path, const char *value,
		const char *path2, const char *value2)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->out, 0);
	for (size_t e = 0; e < 2; e++) {
		const char *pa = e ? path2 : path;

		p->ed[e].op = pa && pa[0] == '<' ? YEDIT_MARKER : YEDIT_SET;
		p->ed[e].name = p->ed[e].op == YEDIT_MARKER ? pa + 1 : NULL;
		p->ed[e].create_element = pa && pa[0] == '+';
		p->ed[e].path = p->ed[e].op == YEDIT_MARKER ? NULL : pa && pa[0] == '+' ? pa + 1 : pa;
		p->ed[e].value = e ? value2 : value;
		p->ed[e].value_len = p->ed[e].value ? strlen(p->ed[e].value) : 0;
	}
	p->cx.file = "t.yaml";
	p->cx.ed = p->ed;
	p->cx.n = path2 ? 2 : 1;
	p->cx.in = in;
	p->cx.len = strlen(in);
	if (prepare(&p->cx) < 0 || plan_round(&p->cx) < 0)
		return -1;
	p->pl = plan_of(&p->cx);
	if (ysp_apply(&p->pl, &p->out) < 0)
		return -1;
	return p->cx.nch ? 0 : -1;
}

static void done(struct planned *p)
{
	ctx_release(&p->cx);
	buf_release(&p->out);
}

/* Replace the first `from` of the output with `to`, of the same length. */
static int damage(struct planned *p, const char *from, const char *to)
{
	char *at = strstr(buf_cstr(&p->out), from);

	if (!at || strlen(from) != strlen(to))
		return -1;
	memcpy(at, to, strlen(to));
	return 0;
}

static int check(struct planned *p)
{
	return ysp_check(&p->pl, p->out.ptr, p->out.len);
}

/* Plan, damage (from -> to; NULL: none), verify; want_text as CHECK_FAILS,
 * NULL when verify must pass quietly. */
static void one(int line, const char *in, const char *path, const char *value,
		const char *path2, const char *value2, const char *from, const char *to,
		const char *want_text)
{
	struct planned p;
	int rc = plan(&p, in, path, value, path2, value2);

	t_checks++;
	if (rc < 0 || (from && damage(&p, from, to) < 0)) {
		t_failed++;
		fprintf(stderr, "%s:%d: case could not be set up\n", __FILE__, line);
	} else {
		capture_begin();
		rc = check(&p);
		capture_check(rc, capture_end(), want_text ? -1 : 0, want_text, __FILE__, line,
			      want_text ? want_text : "passes");
	}
	done(&p);
}

#define PASSES(in, path, value) one(__LINE__, in, path, value, NULL, NULL, NULL, NULL, NULL)
#define REFUSES(in, path, value, from, to, text) \
	one(__LINE__, in, path, value, NULL, NULL, from, to, text)

static const char deployment[] =
	"kind: Deployment\n"              /* 1 */
	"spec:\n"                         /* 2 */
	"  replicas: 2\n"                 /* 3 */
	"  template:\n"                   /* 4 */
	"    metadata:\n"                 /* 5 */
	"      labels: {app: web}\n"      /* 6 */
	"    spec:\n"                     /* 7 */
	"      containers:\n"             /* 8 */
	"      - name: web\n"             /* 9 */
	"        image: web:old\n"        /* 10 */
	"        args: [--port, '80']\n"  /* 11 */
	"---\n"                           /* 12 */
	"kind: Service\n";                /* 13 */

#define IMAGE "spec.template.spec.containers[name=web].image"
#define ANN "spec.template.metadata.annotations.rev"
/* The one error line, at line N, for reason WHY. */
#define AT(n, why) "error: t.yaml:" #n ": refusing to write 't.yaml': the edited YAML does " \
	"not read back as intended (" why ")\n"
#define MOVED "something outside the edited values moved"
#define REREAD "does not read back as intended"

static void test_passes(void)
{
	struct planned p;

	PASSES(deployment, IMAGE, "web:new");
	PASSES(deployment, ANN, "r1");
	PASSES("a: |+\n  keep\n\n\nb: 1\n", "a", "text\n");
	one(__LINE__, deployment, IMAGE, "web:new", ANN, "r1", NULL, NULL, NULL);
	/* the planned output is the one yedit_apply writes */
	CHECK_INT(plan(&p, deployment, IMAGE, "web:new", NULL, NULL), 0);
	CHECK(strstr(buf_cstr(&p.out), "        image: web:new\n") != NULL);
	done(&p);
}

static void test_outside(void)
{
	/* a byte outside the target: its line is named */
	REFUSES(deployment, IMAGE, "web:new", "replicas: 2", "replicas: 3", AT(3, MOVED));
	REFUSES(deployment, IMAGE, "web:new", "'80'", "'81'", AT(11, MOVED));
	REFUSES(deployment, IMAGE, "web:new", "{app: web}", "{app: wep}", AT(6, MOVED));
	/* a style is part of what must not move: '80' read as plain 80 */
	REFUSES(deployment, IMAGE, "web:new", "'80']", "80  ]", AT(11, MOVED));
	/* an indentation: args becomes a key of the container's parent */
	REFUSES(deployment, IMAGE, "web:new", "        args:", "      args:  ", REREAD);
	/* a document marker where there was none */
	REFUSES(deployment, IMAGE, "web:new", "\n  replicas: 2", "\n---\nreplic: 2", REREAD);
}

static void test_regions(void)
{
	/* the written value itself */
	REFUSES(deployment, IMAGE, "web:new", "web:new", "web:nex",
		AT(10, "a written key or value reads back differently"));
	/* the tag of a replaced scalar is outside the written text, but the
	 * node the text makes must keep it */
	REFUSES("a: !!str 1\nb: 2\n", "a", "5", "!!str", "!!int", AT(1, "an anchor or a tag moved"));
	REFUSES("a: &x 1\nb: 2\n", "a", "5", "&x", "&y", AT(1, "an anchor or a tag moved"));
	/* a written scalar that became a collection */
	REFUSES(deployment, IMAGE, "web:new", "web:new", "[web, ]", "t.yaml:10: refusing");
	/* a created key: its value */
	REFUSES(deployment, ANN, "r1", "rev: r1", "rev: r2", AT(7, "a written key or value reads back differently"));
	/* ... its indentation: the annotations become the template's, read
	 * back with their value, every event outside them in order; only
	 * their level tells (metadata's end moved across them) */
	REFUSES(deployment, ANN, "r1", "      annotations:", "    annotations:  ",
		AT(7, "the new text sits at another level"));
	/* two regions, the second damaged */
	one(__LINE__, deployment, IMAGE, "web:new", ANN, "r1", "rev: r1", "rev: r2", REREAD);
	/* a value ending in a newline, written as a literal block, whose
	 * chomping indicator strips it */
	REFUSES("a: x\nb: 1\n", "a", "line\n", "|\n  line", "|-\n line",
		AT(1, "a written key or value reads back differently"));
}

static const char flow[] = "kind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {}\n";

static void test_flow(void)
{
	struct planned p;

	/* created in flow style: ", annotations: {rev: r1}" */
	CHECK_INT(plan(&p, flow, "metadata.annotations.rev", "r1", NULL, NULL), 0);
	CHECK(strstr(buf_cstr(&p.out), "labels: {app: web}, annotations: {rev: r1}}") != NULL);
	done(&p);
	PASSES(flow, "metadata.annotations.rev", "r1");
	REFUSES(flow, "metadata.annotations.rev", "r1", "{rev: r1}", "{rev: r2}",
		AT(2, "a written key or value reads back differently"));
	/* a bracket moved: the annotations become a key of the labels */
	REFUSES(flow, "metadata.annotations.rev", "r1", "web}, annotations: {rev: r1}}",
		"web, annotations: {rev: r1}}}", AT(2, "the new text sits at another level"));
	/* the name, outside the edit, in another style */
	REFUSES(flow, "metadata.annotations.rev", "r1", "name: web,", "name: 'w',", AT(2, MOVED));
}

/* ---- every one-byte damage: accepted only when it changes nothing ---- */

static void add_str(struct buf *b, const yaml_char_t *s)
{
	buf_addf(b, " %zu:%s", s ? strlen((const char *)s) : 0, s ? (const char *)s : "");
}

/* What `s` means, as one string: its events with their anchors, tags,
 * values and whether each scalar is plain text that loads as other than a
 * string (1, true, null), but neither positions nor styles (a value
 * written '|' or '>' or plain reads the same); NULL when it is not YAML.  libyaml's parser directly: an oracle
 * that shares nothing with the reader the check uses. */
static char *events_of(const char *s, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct buf b = BUF_INIT;
	bool end = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	while (!end) {
		if (!yaml_parser_parse(&p, &ev)) {
			buf_release(&b);
			yaml_parser_delete(&p);
			return NULL;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		buf_addf(&b, "%d", (int)ev.type);
		if (ev.type == YAML_SCALAR_EVENT) {
			/* plain text that loads as a string means what quoted text does */
			bool typed = ev.data.scalar.plain_implicit &&
				     !yq_plain_ok((const char *)ev.data.scalar.value,
						  ev.data.scalar.length, false);

			add_str(&b, ev.data.scalar.anchor);
			add_str(&b, ev.data.scalar.tag);
			buf_addf(&b, " %d %zu:", typed, ev.data.scalar.length);
			buf_add(&b, ev.data.scalar.value, ev.data.scalar.length);
		} else if (ev.type == YAML_ALIAS_EVENT) {
			add_str(&b, ev.data.alias.anchor);
		} else if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			add_str(&b, ev.data.sequence_start.anchor);
			add_str(&b, ev.data.sequence_start.tag);
			buf_addf(&b, " %d", ev.data.sequence_start.implicit);
		} else if (ev.type == YAML_DOCUMENT_START_EVENT) {
			buf_addf(&b, " %d", ev.data.document_start.implicit);
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			buf_addf(&b, " %d", ev.data.document_end.implicit);
		}
		buf_addc(&b, '\n');
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return buf_detach(&b, NULL);
}

static void reset_check(struct planned *p)
{
	for (size_t i = 0; i < p->cx.nch; i++) {
		p->cx.ch[i].got_nodes = p->cx.ch[i].got_events = p->cx.ch[i].got_off = 0;
		p->cx.ch[i].got_value = p->cx.ch[i].got_nest = p->cx.ch[i].got_props = false;
		p->cx.ch[i].want_props = 0;
	}
}

/*
 * Plan an edit of a one-document input, then put each of a set of bytes
 * that matter to YAML at each offset of the output in turn, and check it.
 * Whenever the check accepts the damaged output, that output must read
 * exactly as the undamaged one (the same events): a damage the check
 * lets through must be one that changes nothing (a comment's text, a
 * space that was already insignificant).  Most damages must be refused.
 */
static void sweep(int line, const char *in, const char *path, const char *value,
		  const char *path2, const char *value2)
{
	static const char bytes[] = " \n\t-:,#{}[]'\"|>&*!?%@x0";
	size_t accepted = 0, refused = 0, bad = 0;
	struct planned p;
	char *want = NULL;
	const char *end;

	t_checks++;
	if (plan(&p, in, path, value, path2, value2) < 0 ||
	    !(want = events_of(p.out.ptr, p.out.len))) {
		t_failed++;
		fprintf(stderr, "%s:%d: case could not be set up\n", __FILE__, line);
		goto out;
	}
	/* the changed document and the next one's "---" (the others are the
	 * input's bytes by construction: the check does not read them) */
	end = strstr(buf_cstr(&p.out), "\n---");
	end = end ? end + 4 : p.out.ptr + p.out.len;
	for (size_t i = 0; i < (size_t)(end - p.out.ptr); i++) {
		char orig = p.out.ptr[i];

		for (const char *b = bytes; *b; b++) {
			char *got;
			int rc;

			if (*b == orig)
				continue;
			p.out.ptr[i] = *b;
			reset_check(&p);
			capture_begin();
			rc = check(&p);
			capture_end();
			if (rc < 0) {
				refused++;
			} else if (!(got = events_of(p.out.ptr, p.out.len)) || strcmp(got, want)) {
				if (bad++ < 5)
					fprintf(stderr, "%s:%d: accepted, and it reads otherwise: byte "
						"%zu ('%c' for '%c') of:\n%s\n", __FILE__, line, i, *b,
						orig, buf_cstr(&p.out));
				free(got);
			} else {
				accepted++;
				free(got);
			}
			p.out.ptr[i] = orig;
		}
	}
	if (bad)
		t_failed++;
	/* most damages are refused (a sweep that refused nothing checked nothing) */
	if (refused <= 2 * accepted)
		fprintf(stderr, "%s:%d: %zu damages refused, %zu accepted\n", __FILE__, line,
			refused, accepted);
	CHECK(refused > 2 * accepted);
out:
	free(want);
	done(&p);
}

static void test_sweep(void)
{
	sweep(__LINE__, deployment, IMAGE, "web:new", NULL, NULL);
	sweep(__LINE__, deployment, ANN, "r1", NULL, NULL);
	sweep(__LINE__, deployment, IMAGE, "web:new", ANN, "r1");
	sweep(__LINE__, flow, "metadata.annotations.rev", "r1", NULL, NULL);
	sweep(__LINE__, "a: x\nb: 1\n", "a", "line\n", NULL, NULL);
	sweep(__LINE__, "list:\n- name: a\n  v: 1\n", "list[name=a].w", "2", NULL, NULL);
	sweep(__LINE__, "m: {a: 1}\nn: 'q' # note\n", "m.a", "2", NULL, NULL);
	/* kustomize's images: a new element */
	sweep(__LINE__, "images:\n- name: app\n  newTag: v1\n", "+images[name=db].newTag", "v2",
	      NULL, NULL);
	/* CRLF, and a key created under a null value */
	sweep(__LINE__, "a: 1\r\nb:\r\nc: 2\r\n", "b.d", "3", NULL, NULL);
	/* a marker inside a value */
	sweep(__LINE__, "env:\n- name: MSG\n  value: \"x <m>old</m> y\"\n", "<m", "n\"w", NULL, NULL);
	/* a typed literal: written plain, must read back plain */
	sweep(__LINE__, "spec:\n  replicas: 2\n  paused: false\n", "spec.replicas", "3", NULL, NULL);
	/* a keep-chomped block replaced */
	sweep(__LINE__, "a: |+\n  keep\n\nb: 1\n", "a", "new", NULL, NULL);
	/* a replaced scalar's anchor and tag, outside the written text */
	sweep(__LINE__, "a: &x !!str 1\nb: 2\n", "a", "5", NULL, NULL);
	/* two documents changed, the first ended by '...' */
	sweep(__LINE__, "a: 1\n...\n---\na: 2\n", "a", "3", NULL, NULL);
}

/* ---- the splice, on changes made by hand ---- */

static const char *spliced(struct ysp_change *ch, size_t n, const char *texts)
{
	static char got[256];
	struct buf t = BUF_INIT, out = BUF_INIT;
	struct ysp_plan p = { "t.yaml", "a: 1\nb: 2\n", 10, ch, n, NULL, 0, &t, &t };
	int rc;

	buf_adds(&t, texts);
	capture_begin();
	rc = ysp_apply(&p, &out);
	snprintf(got, sizeof(got), "%s", rc < 0 ? capture_end() : (capture_end(), buf_cstr(&out)));
	buf_release(&t);
	buf_release(&out);
	return got;
}

static void test_apply(void)
{
	/* 0: "  x: 1\n" (col 2), 1: "  - y\n" (col 2, one segment deeper),
	 * 2: "c: 3\n" (col 0), all inserted after "a: 1\n"; 3: "9" for "2" */
	struct ysp_change ch[4] = {
		{ .start = 5, .end = 5, .toff = 0, .tlen = 7, .seq = 0, .col = 2, .depth = 1 },
		{ .start = 5, .end = 5, .toff = 7, .tlen = 6, .seq = 1, .col = 2, .depth = 2 },
		{ .start = 5, .end = 5, .toff = 13, .tlen = 5, .seq = 2, .col = 0 },
		{ .start = 8, .end = 9, .toff = 18, .tlen = 1, .seq = 3 },
	};
	struct ysp_plan p = { "t.yaml", "a: 1\nb: 2\n", 10, ch, 4, NULL, 0, NULL, NULL };

	/* inner lines first: the deeper column, then the deeper path */
	CHECK_STR(spliced(ch, 4, "  x: 1\n  - y\nc: 3\n9"),
		  "a: 1\n  - y\n  x: 1\nc: 3\nb: 9\n");
	CHECK_INT(ch[0].seq, 1);
	/* where input offsets went: b's value, and the insertion point */
	CHECK_INT(ysp_map(&p, 8), 26);
	CHECK_INT(ysp_map(&p, 5), 5);
	CHECK_INT(ysp_map(&p, 9), 27);
	/* overlapping changes are refused at the second one's line */
	{
		struct ysp_change two[2] = {
			{ .start = 0, .end = 4, .toff = 0, .tlen = 1, .seq = 0 },
			{ .start = 3, .end = 4, .toff = 1, .tlen = 1, .seq = 1 },
		};

		CHECK(strstr(spliced(two, 2, "xy"),
			     "t.yaml:1: cannot edit 't.yaml': two edits overlap at this line") != NULL);
	}
}

int main(void)
{
	test_apply();
	test_passes();
	test_outside();
	test_regions();
	test_flow();
	test_sweep();
	return t_done();
}
