/*
 * White-box tests of the editor's last check, yamledit.c's verify(): the
 * changed documents of the output must read back as the input's, event for
 * event outside the written text, and each written region must hold the
 * nodes it was meant to hold and read back its value.
 *
 * No input makes the planner write a wrong output (that is the point of
 * the planner's own tests), so no black-box test can show that the check
 * works.  These tests plan and splice a real edit, then damage the spliced
 * bytes as a planner bug would (a byte outside the target, the written
 * value, an indentation, a document marker), keeping every length so the
 * splice's offsets stay true, and check that verify() refuses at the
 * damaged line, and that it passes the undamaged output quietly.  The
 * test includes the module's source to reach its static functions.
 */
#include "capture.h"
#include "t.h"

#include "yamledit.c"

struct planned {
	struct ctx cx;
	struct buf out;
	struct yedit ed[2];
};

/* Plan `path=value` (and a second edit, when path2 is set) on `in` and
 * splice it into p->out, as yedit_apply's first round does. */
static int plan(struct planned *p, const char *in, const char *path, const char *value,
		const char *path2, const char *value2)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->out, 0);
	for (size_t e = 0; e < 2; e++) {
		p->ed[e].op = YEDIT_SET;
		p->ed[e].path = e ? path2 : path;
		p->ed[e].value = e ? value2 : value;
		p->ed[e].value_len = p->ed[e].value ? strlen(p->ed[e].value) : 0;
	}
	p->cx.file = "t.yaml";
	p->cx.ed = p->ed;
	p->cx.n = path2 ? 2 : 1;
	p->cx.in = in;
	p->cx.len = strlen(in);
	if (prepare(&p->cx) < 0 || plan_round(&p->cx) < 0 || splice(&p->cx, &p->out) < 0)
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
	return verify(&p->cx, p->out.ptr, p->out.len);
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
		AT(10, "a value reads back differently"));
	/* a written scalar that became a collection */
	REFUSES(deployment, IMAGE, "web:new", "web:new", "[web, ]", "t.yaml:10: refusing");
	/* a created key: its value */
	REFUSES(deployment, ANN, "r1", "rev: r1", "rev: r2", AT(7, "a value reads back differently"));
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
		AT(1, "a value reads back differently"));
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
		AT(2, "a value reads back differently"));
	/* a bracket moved: the annotations become a key of the labels */
	REFUSES(flow, "metadata.annotations.rev", "r1", "web}, annotations: {rev: r1}}",
		"web, annotations: {rev: r1}}}", AT(2, "the new text sits at another level"));
	/* the name, outside the edit, in another style */
	REFUSES(flow, "metadata.annotations.rev", "r1", "name: web,", "name: 'w',", AT(2, MOVED));
}

int main(void)
{
	test_passes();
	test_outside();
	test_regions();
	test_flow();
	return t_done();
}
