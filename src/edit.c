/* edit: the `gitops-bump edit` verb; see edit.h and yamledit.h. */
#include "edit.h"

#include "buf.h"
#include "diff.h"
#include "fileio.h"
#include "imagefind.h"
#include "imageref.h"
#include "log.h"
#include "yamledit.h"
#include "yamlpath.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct opts {
	const char *file;     /* FILE, "-" for stdin */
	const char *output;   /* -o OUT ("-": stdout) */
	bool in_place;
	bool diff;
	bool help;
	bool create_elements;
	struct imageref image; /* --image REF; image.name NULL: none */
	const char *container; /* --container NAME */
	struct yedit *edits;
	char **names;         /* owned copies of the edits' paths and names */
	struct ypath *parsed; /* the SET edits' paths, parsed once */
	size_t n;
};

static void usage(FILE *f)
{
	fputs("usage: gitops-bump edit FILE --set PATH=VALUE [--set ...] [--marker NAME=VALUE]\n"
	      "                        [--image REF [--container NAME]] [--create-elements]\n"
	      "                        [-i | -o OUT] [--diff]\n"
	      "\n"
	      "Change values in a YAML file and no other byte.  FILE may be '-' (stdin).\n"
	      "\n"
	      "  --set PATH=VALUE     set the scalar at PATH to VALUE in every document\n"
	      "                       where PATH resolves; create up to the last 3\n"
	      "                       missing levels where it does not (repeatable).  Over\n"
	      "                       a bool, int or float VALUE keeps that type when it is\n"
	      "                       a literal of it (else it becomes a string, with a\n"
	      "                       warning); elsewhere it is a string\n"
	      "  --set PATH:=VALUE    VALUE is a bool, int or float (true, 3, 1.5), wherever\n"
	      "  --set PATH=\"VALUE\"   VALUE (between the quotes, as is; or 'VALUE') is a\n"
	      "                       string, whatever was there\n"
	      "  --set-string PATH=VALUE  the same: VALUE, as is, is a string\n"
	      "  --marker NAME=VALUE  replace the text between <NAME> and </NAME> in every\n"
	      "                       scalar that holds them (repeatable)\n"
	      "  --image REF          set image REF (NAME:TAG, NAME@DIGEST or both) wherever\n"
	      "                       the file deploys repository NAME: containers of\n"
	      "                       workloads, kustomize images, Flux Kustomization\n"
	      "                       images, Helm values and HelmRelease values (also a\n"
	      "                       valuesFrom ConfigMap in the same file), Argo CD\n"
	      "                       Application sources; where nothing deploys it, it\n"
	      "                       fails and lists the images found\n"
	      "  --container NAME     with --image: only containers named NAME\n"
	      "  --create-elements    a missing [key=value] element is created anywhere\n"
	      "                       (with its sequence's key), not only below a\n"
	      "                       selector that matched: images[name=nginx].newTag\n"
	      "  -i, --in-place       write FILE atomically (its mode is kept)\n"
	      "  -o, --output OUT     write to OUT instead of stdout\n"
	      "  --diff               print a unified diff instead of the YAML\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "PATH: keys separated by '.', a key in double quotes when it has other\n"
	      "characters than A-Z a-z 0-9 _ - (\\\" and \\\\ inside), [N] for an element,\n"
	      "[*] for every element, [key=value] for the element whose key holds value;\n"
	      "on a mapping it is a filter: the path goes on only where the key holds value.\n"
	      "  spec.template.spec.containers[name=app].image\n"
	      "  [kind=Deployment].spec.template.metadata.annotations.rollout\n"
	      "  metadata.annotations.\"app.kubernetes.io/version\"\n"
	      "Exit status: 0 done (also when nothing changed), 1 failed, 2 usage error.\n", f);
}

static int bad_usage(const char *msg, const char *arg)
{
	if (arg)
		log_error("edit: %s '%s' (see gitops-bump edit --help)", msg, arg);
	else
		log_error("edit: %s (see gitops-bump edit --help)", msg);
	return -1;
}

/* --set PATH=VALUE: the '=' is the first one outside the path's quotes
 * and brackets; the value's form types it (ypath_value).  --set-string
 * PATH=VALUE (`mode` YQ_STRING): VALUE as is, a string. */
static int add_edit(struct opts *o, enum yedit_op op, enum yq_mode mode, const char *arg)
{
	const char *opt = mode == YQ_STRING ? "--set-string" : "--set";
	struct yedit *e, *v;
	struct ypath p = YPATH_INIT, *np;
	char **nv;
	const char *eq = NULL, *value = NULL;
	size_t value_len = 0;
	char *name = NULL;

	if (op == YEDIT_SET) {
		if (ypath_parse(&p, arg, &eq, opt) < 0)
			return -1;
		if ((*eq == ':' && mode == YQ_STRING) || (*eq != '=' && *eq != ':')) {
			ypath_release(&p);
			if (*eq == ':')
				return bad_usage("--set-string takes PATH=VALUE (':=' is --set's "
						 "typed form), got", arg);
			return bad_usage(mode == YQ_STRING ? "--set-string needs PATH=VALUE, got"
							   : "--set needs PATH=VALUE, got", arg);
		}
		if (mode == YQ_STRING) {
			value = eq + 1;
			value_len = strlen(value);
		} else {
			ypath_value(eq, &value, &value_len, &mode);
		}
	} else {
		eq = strchr(arg, '=');
		if (!eq)
			return bad_usage("--marker needs NAME=VALUE, got", arg);
		value = eq + 1;
		value_len = strlen(value);
	}
	name = strndup(arg, (size_t)(eq - arg));
	v = realloc(o->edits, (o->n + 1) * sizeof(*v));
	if (v)
		o->edits = v;
	nv = realloc(o->names, (o->n + 1) * sizeof(*nv));
	if (nv)
		o->names = nv;
	np = realloc(o->parsed, (o->n + 1) * sizeof(*np));
	if (np)
		o->parsed = np;
	if (!name || !v || !nv || !np) {
		free(name);
		ypath_release(&p);
		return log_oom();
	}
	o->names[o->n] = name;
	o->parsed[o->n] = p;
	e = &o->edits[o->n++];
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->mode = mode;
	if (op == YEDIT_SET) {
		e->path = name;
		e->parsed = &o->parsed[o->n - 1];
	} else {
		e->name = name;
	}
	e->value = value;
	e->value_len = value_len;
	return yedit_check(e, op == YEDIT_SET ? opt : "--marker");
}

/* The option's value: "--opt=VALUE", "-oVALUE" or the next argument. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (!strncmp(a, name, n) && a[n] == '=')
		return a + n + 1;
	if (n == 2 && a[2])
		return a + 2;
	if (*i + 1 >= argc) {
		bad_usage("missing value after", name);
		return NULL;
	}
	return argv[++*i];
}

/* "--name", "--name=VALUE"; for a short "-x" also "-xVALUE". */
static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(a, name, n))
		return false;
	return a[n] == '\0' || n == 2 || a[n] == '=';
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	bool dashdash = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (dashdash || a[0] != '-' || !strcmp(a, "-")) {
			if (o->file)
				return bad_usage("more than one file:", a);
			o->file = a;
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			return 0;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--in-place")) {
			o->in_place = true;
		} else if (!strcmp(a, "--diff")) {
			o->diff = true;
		} else if (!strcmp(a, "--create-elements")) {
			o->create_elements = true;
		} else if (is_opt(a, "--set") || is_opt(a, "--marker")) {
			bool set = a[2] == 's';

			v = opt_value(argc, argv, &i, set ? "--set" : "--marker");
			if (!v || add_edit(o, set ? YEDIT_SET : YEDIT_MARKER, YQ_KEEP, v) < 0)
				return -1;
		} else if (is_opt(a, "--set-string")) {
			v = opt_value(argc, argv, &i, "--set-string");
			if (!v || add_edit(o, YEDIT_SET, YQ_STRING, v) < 0)
				return -1;
		} else if (is_opt(a, "--image")) {
			v = opt_value(argc, argv, &i, "--image");
			if (!v)
				return -1;
			if (o->image.name)
				return bad_usage("more than one --image:", v);
			if (imageref_parse(&o->image, v, strlen(v), "--image") < 0)
				return -1;
		} else if (is_opt(a, "--container")) {
			v = opt_value(argc, argv, &i, "--container");
			if (!v)
				return -1;
			if (!*v)
				return bad_usage("--container needs a name", NULL);
			o->container = v;
		} else if (is_opt(a, "-o") || is_opt(a, "--output")) {
			v = opt_value(argc, argv, &i, a[1] == 'o' ? "-o" : "--output");
			if (!v)
				return -1;
			if (o->output)
				return bad_usage("more than one output:", v);
			o->output = v;
		} else {
			return bad_usage("unknown option", a);
		}
	}
	if (!o->file)
		return bad_usage("no FILE given", NULL);
	if (o->container && !o->image.name)
		return bad_usage("--container picks the container whose image --image sets: it "
				 "needs --image", NULL);
	if (!o->n && !o->image.name)
		return bad_usage("nothing to do: give --set PATH=VALUE, --marker NAME=VALUE or "
				 "--image REF", NULL);
	if (o->in_place && o->output)
		return bad_usage("-i and -o exclude each other", NULL);
	if (o->in_place && !strcmp(o->file, "-"))
		return bad_usage("-i needs a file, not stdin", NULL);
	if (o->n > YEDIT_MAX_EDITS)
		return bad_usage("too many edits", NULL);
	for (size_t i = 0; i < o->n; i++) { /* o->parsed has moved since */
		o->edits[i].create_element = o->create_elements && o->edits[i].op == YEDIT_SET;
		if (o->edits[i].op == YEDIT_SET)
			o->edits[i].parsed = &o->parsed[i];
	}
	return 0;
}

int edit_write_atomic(const char *path, const char *data, size_t len)
{
	char real[PATH_MAX], *dir_copy = NULL, *base_copy = NULL;
	const char *target = path, *step = NULL;
	struct stat st;
	bool exists;
	int dir = -1, rc = -1;

	if (realpath(path, real))
		target = real; /* edit a symlink's target, keep the link */
	exists = stat(target, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		log_error("cannot write '%s': not a regular file", path);
		return -1;
	}
	if (!exists) {
		mode_t mask = umask(0);

		umask(mask);
		st.st_mode = 0666 & ~mask;
	}
	dir_copy = strdup(target);
	base_copy = strdup(target);
	if (!dir_copy || !base_copy) {
		log_oom();
		goto out;
	}
	step = "create a temporary file";
	dir = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 ||
	    fileio_replace_at(dir, basename(base_copy), data, len, st.st_mode,
			      exists && geteuid() == 0 ? st.st_uid : (uid_t)-1, st.st_gid,
			      &step) < 0) {
		log_error("cannot write '%s': %s%s", path,
			  strcmp(step, "create a temporary file") ? "" :
			  "cannot create a temporary file: ", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dir >= 0)
		close(dir);
	free(dir_copy);
	free(base_copy);
	return rc;
}

static int read_input(struct buf *in, const char *file)
{
	buf_init(in, YEDIT_MAX_INPUT);
	if (buf_read_file(in, file) == 0)
		return 0;
	if (errno == EFBIG)
		log_error("'%s' is too large to edit (over %zu MiB)", file, YEDIT_MAX_INPUT >> 20);
	else
		log_error("cannot read '%s': %s", file, strerror(errno));
	return -1;
}

static void report(const struct opts *o, const struct yedit *ye, const char *name,
		   const struct imagefind *plan)
{
	/* the caller's edits; the image's are said as where the image went */
	for (size_t i = 0; i < o->n; i++) {
		const struct yedit *e = &ye[i];
		const char *what = e->op == YEDIT_SET ? e->path : e->name;

		if (e->changed + e->created + e->unchanged == 0)
			log_info("%s: '%s' matches nothing (optional)", name, what);
		else
			log_info("%s:%ld: '%s': %zu changed, %zu created, %zu already set", name,
				 e->line, what, e->changed, e->created, e->unchanged);
	}
	for (size_t j = 0; j < plan->ntargets; j++)
		log_info("%s:%ld: %s", name, plan->targets[j].line, plan->targets[j].text);
}

/* --image: the edits that set it, after the caller's own in `ye` (room for
 * YEDIT_MAX_EDITS); *n grows.  Nothing deploys the repository: one error
 * that lists the images the file holds.  0, or -1 (reported). */
static int plan_image(const struct opts *o, struct imagefind *plan, const struct buf *in,
		      const char *name, struct yedit *ye, size_t *n)
{
	if (imagefind_plan(plan, buf_cstr(in), in->len, &o->image, o->container, name) < 0)
		return -1;
	if (plan->nedits) {
		if (*n + plan->nedits > YEDIT_MAX_EDITS) {
			log_error_at(name, 0, "too many edits for '%s' (%zu, at most %d)", name,
				     *n + plan->nedits, YEDIT_MAX_EDITS);
			return -1;
		}
		imagefind_yedits(plan, ye + *n);
		*n += plan->nedits;
		return 0;
	}
	return imagefind_none(plan, &name, 1, &o->image, o->container);
}

static int run(struct opts *o)
{
	struct buf in = BUF_INIT, out = BUF_INIT, d = BUF_INIT;
	struct imagefind plan = IMAGEFIND_INIT;
	const char *name = strcmp(o->file, "-") ? o->file : "<stdin>";
	struct yedit ye[YEDIT_MAX_EDITS];
	size_t n = o->n;
	bool differs = false;
	int rc = EXIT_FAIL;

	buf_init(&out, YEDIT_MAX_INPUT * 2);
	if (read_input(&in, o->file) < 0)
		goto out;
	if (o->n)
		memcpy(ye, o->edits, o->n * sizeof(*ye));
	if (o->image.name && plan_image(o, &plan, &in, name, ye, &n) < 0)
		goto out;
	if (yedit_apply(&out, buf_cstr(&in), in.len, ye, n, name, &differs) < 0)
		goto out;
	/* every image edit reached exactly what it was planned for */
	if (plan.nedits && imagefind_check(&plan, ye + o->n, name) < 0)
		goto out;
	imagefind_show_notes(&plan, name); /* said whatever the output */
	if (o->diff) {
		char *la = NULL, *lb = NULL;
		int r = -1;

		if (asprintf(&la, "a/%s", name) >= 0 && asprintf(&lb, "b/%s", name) >= 0)
			r = diff_unified(&d, buf_cstr(&in), in.len, buf_cstr(&out), out.len, la, lb);
		else
			log_oom();
		free(la);
		free(lb);
		if (r < 0)
			goto out;
	}
	if (o->in_place) {
		if (differs && edit_write_atomic(o->file, out.ptr, out.len) < 0)
			goto out;
	} else if (o->output && strcmp(o->output, "-")) {
		if (edit_write_atomic(o->output, buf_cstr(&out), out.len) < 0)
			goto out;
	} else if (!o->diff && fileio_write_all(STDOUT_FILENO, buf_cstr(&out), out.len) < 0) {
		log_error("cannot write the result: %s", strerror(errno));
		goto out;
	}
	if (o->diff && fileio_write_all(STDOUT_FILENO, buf_cstr(&d), d.len) < 0) {
		log_error("cannot write the diff: %s", strerror(errno));
		goto out;
	}
	if ((o->in_place || (o->output && strcmp(o->output, "-"))) && !o->diff)
		report(o, ye, name, &plan);
	rc = EXIT_OK;
out:
	imagefind_release(&plan);
	buf_release(&in);
	buf_release(&out);
	buf_release(&d);
	return rc;
}

int edit_main(int argc, char **argv)
{
	struct opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	if (parse_args(&o, argc, argv) < 0)
		rc = EXIT_USAGE;
	else if (o.help) {
		usage(stdout);
		rc = EXIT_OK;
	} else {
		rc = run(&o);
	}
	for (size_t i = 0; i < o.n; i++) {
		free(o.names[i]);
		ypath_release(&o.parsed[i]);
	}
	free(o.names);
	free(o.parsed);
	free(o.edits);
	imageref_release(&o.image);
	return rc;
}
