/* workspace: see workspace.h for the contract. */
#include "workspace.h"

#include "fileio.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory holding `path` below `root`, opened link by link; *name
 * points at the last segment of `path`. */
static int open_parent(const char *root, const char *path, const char **name)
{
	const char *seg = path, *slash;
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0) {
		log_error("cannot open the workspace '%s': %s", root, strerror(errno));
		return -1;
	}
	while ((slash = strchr(seg, '/'))) {
		char part[256];
		size_t len = (size_t)(slash - seg);
		int next;

		if (len >= sizeof(part)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(part, seg, len);
		part[len] = '\0';
		next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail;
		close(dir);
		dir = next;
		seg = slash + 1;
	}
	*name = seg;
	return dir;
fail:
	if (errno == ENOENT)
		log_error_at(path, 0, "manifest '%s' not found in the workspace '%s'", path, root);
	else if (errno == ELOOP || errno == ENOTDIR)
		log_error_at(path, 0, "cannot open '%s' in the workspace: a directory on the way "
			     "is a symbolic link or not a directory", path);
	else
		log_error_at(path, 0, "cannot open '%s' in the workspace '%s': %s", path, root,
			     strerror(errno));
	close(dir);
	return -1;
}

/* Write f->new next to `name` and rename it over `name`, with st's mode
 * and owner. */
static int replace(int dir, const char *name, const struct commit_file *f,
		   const struct stat *st)
{
	const char *step = NULL;

	if (fileio_replace_at(dir, name, f->new.ptr, f->new.len, st->st_mode, st->st_uid,
			      st->st_gid, &step) < 0) {
		log_error_at(f->path, 0, "cannot %s '%s' in the workspace: %s", step, f->path,
			     strerror(errno));
		return -1;
	}
	return 0;
}

int workspace_edit(const char *root, struct commit_file *f, commit_edit_fn *edit, void *arg,
		   bool dry_run)
{
	const char *name;
	struct stat st;
	int dir, fd = -1, rc = -1;

	if ((dir = open_parent(root, f->path, &name)) < 0)
		return -1;
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			log_error_at(f->path, 0, "manifest '%s' not found in the workspace '%s'",
				     f->path, root);
		else if (errno == ELOOP)
			log_error_at(f->path, 0, "manifest '%s' in the workspace is a symbolic link",
				     f->path);
		else
			log_error_at(f->path, 0, "cannot open '%s' in the workspace: %s", f->path,
				     strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error_at(f->path, 0, "manifest '%s' in the workspace is not a regular file",
			     f->path);
		goto out;
	}
	buf_reset(&f->old);
	if (buf_read_fd(&f->old, fd) < 0) {
		log_error_at(f->path, 0, "cannot read '%s' in the workspace: %s", f->path,
			     errno == EFBIG ? "too large" : strerror(errno));
		goto out;
	}
	f->changed = false;
	buf_reset(&f->new);
	if (edit(arg, f) < 0)
		goto out;
	snprintf(f->mode, sizeof(f->mode), "%s", (st.st_mode & 0111) ? "100755" : "100644");
	rc = f->changed && !dry_run ? replace(dir, name, f, &st) : 0;
out:
	if (fd >= 0)
		close(fd);
	close(dir);
	return rc;
}
