/*
 * replay: run a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer, so that `make test` (gcc, ASan+UBSan) checks the targets'
 * invariants on the seeds and on every input that once failed.
 *
 *   fuzz-replay-NAME FILE-OR-DIR...
 *
 * Prints "N inputs" and exits 0; an invariant or sanitizer failure aborts.
 */
#include "fuzz.h"

#include "buf.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static long count;

static int run_file(const char *path)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path) < 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf_cstr(&b), b.len);
	buf_release(&b);
	count++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent **names;
	int n, rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct buf child = BUF_INIT;

		if (names[i]->d_name[0] != '.') {
			buf_addf(&child, "%s/%s", path, names[i]->d_name);
			if (run_path(buf_cstr(&child)) < 0)
				rc = -1;
		}
		buf_release(&child);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 1;
	fprintf(stderr, "%ld inputs\n", count); /* stdout is /dev/null (fuzz_quiet) */
	return rc;
}
