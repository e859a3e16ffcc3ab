/* Unit tests for workspace (commit: false): the file is replaced with its
 * mode and owner, symbolic links are not followed, nothing is left behind. */
#include "workspace.h"
#include "log.h"
#include "capture.h"
#include "t.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/gb-test-workspace.XXXXXX";
static int edits;

/* The edit: append a line, or change nothing when the file has it. */
static int append_line(void *arg, struct commit_file *f)
{
	const char *line = arg;

	edits++;
	buf_add(&f->new, f->old.ptr ? f->old.ptr : "", f->old.len);
	if (!f->old.len || !strstr(f->old.ptr, line))
		buf_adds(&f->new, line);
	f->changed = f->new.len != f->old.len;
	return buf_failed(&f->new) ? -1 : 0;
}

static int failing_edit(void *arg, struct commit_file *f)
{
	(void)arg;
	log_error_at(f->path, 3, "the edit failed");
	return -1;
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

static const char *read_file(const char *rel)
{
	static char text[4096];
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	text[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return text;
}

static struct stat stat_of(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	memset(&st, 0, sizeof(st));
	lstat(path, &st);
	return st;
}

static int entries(const char *rel)
{
	char path[512];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (!(dir = opendir(path)))
		return -1;
	while ((d = readdir(dir)))
		n += strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
	closedir(dir);
	return n;
}

static int run(const char *rel, commit_edit_fn *fn, const char *arg, bool dry_run)
{
	struct commit_file f;
	int rc;

	commit_file_init(&f, rel);
	rc = workspace_edit(root, &f, fn, (void *)(uintptr_t)arg, dry_run);
	commit_file_release(&f);
	return rc;
}

static void test_replace_keeps_mode_and_owner(void)
{
	struct stat before, after;

	write_file("a/b/deploy.yaml", "kind: Deployment\n", 0640);
	if (geteuid() == 0) {
		char path[512];

		snprintf(path, sizeof(path), "%s/a/b/deploy.yaml", root);
		CHECK(chown(path, 1001, 127) == 0);
	}
	before = stat_of("a/b/deploy.yaml");
	CHECK_QUIET_OK(run("a/b/deploy.yaml", append_line, "x: 1\n", false));
	after = stat_of("a/b/deploy.yaml");
	CHECK_STR(read_file("a/b/deploy.yaml"), "kind: Deployment\nx: 1\n");
	CHECK_INT(after.st_mode & 07777, 0640);
	CHECK_INT(after.st_uid, before.st_uid);
	CHECK_INT(after.st_gid, before.st_gid);
	CHECK(after.st_ino != before.st_ino);
	CHECK_INT(entries("a/b"), 1); /* no temporary file left */

	/* unchanged: not rewritten */
	before = after;
	CHECK_QUIET_OK(run("a/b/deploy.yaml", append_line, "x: 1\n", false));
	CHECK_INT(stat_of("a/b/deploy.yaml").st_ino, before.st_ino);

	/* dry run: read and edited, not written */
	edits = 0;
	CHECK_QUIET_OK(run("a/b/deploy.yaml", append_line, "y: 2\n", true));
	CHECK_INT(edits, 1);
	CHECK_STR(read_file("a/b/deploy.yaml"), "kind: Deployment\nx: 1\n");
}

static void test_executable_bit(void)
{
	write_file("a/b/run.yaml", "a: 1\n", 0755);
	CHECK_QUIET_OK(run("a/b/run.yaml", append_line, "b: 2\n", false));
	CHECK_INT(stat_of("a/b/run.yaml").st_mode & 07777, 0755);
}

static void test_refusals(void)
{
	char path[512], target[512];

	CHECK_FAILS(run("a/b/missing.yaml", append_line, "", false),
		    "manifest 'a/b/missing.yaml' not found in the workspace");
	CHECK_FAILS(run("nope/deploy.yaml", append_line, "", false),
		    "manifest 'nope/deploy.yaml' not found in the workspace");

	/* a symbolic link to a directory outside */
	snprintf(path, sizeof(path), "%s/link", root);
	snprintf(target, sizeof(target), "%s/a", root);
	CHECK(symlink(target, path) == 0);
	CHECK_FAILS(run("link/b/deploy.yaml", append_line, "z\n", false), "symbolic link");
	CHECK_STR(read_file("a/b/deploy.yaml"), "kind: Deployment\nx: 1\n");

	/* the manifest itself a symbolic link */
	snprintf(path, sizeof(path), "%s/a/b/link.yaml", root);
	snprintf(target, sizeof(target), "%s/a/b/deploy.yaml", root);
	CHECK(symlink(target, path) == 0);
	CHECK_FAILS(run("a/b/link.yaml", append_line, "z\n", false), "is a symbolic link");
	CHECK_STR(read_file("a/b/deploy.yaml"), "kind: Deployment\nx: 1\n");

	/* a directory where the file should be */
	snprintf(path, sizeof(path), "%s/a/b/dir.yaml", root);
	CHECK(mkdir(path, 0755) == 0);
	CHECK_FAILS(run("a/b/dir.yaml", append_line, "z\n", false), "not a regular file");

	/* the edit's own error passes through, nothing written */
	CHECK_FAILS(run("a/b/deploy.yaml", failing_edit, NULL, false), "the edit failed");
	CHECK_STR(read_file("a/b/deploy.yaml"), "kind: Deployment\nx: 1\n");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/a/b", root);
	CHECK(system(cmd) == 0);
	test_replace_keeps_mode_and_owner();
	test_executable_bit();
	test_refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(system(cmd) == 0);
	return t_done();
}
