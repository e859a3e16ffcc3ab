/* fileio: see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int fileio_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write, set owner and mode, flush: everything before the rename. */
static int fill(int fd, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		const char **step)
{
	*step = "write";
	if (fileio_write_all(fd, data ? data : "", len) < 0)
		return -1;
	*step = "keep the owner of";
	if (uid != (uid_t)-1 && (uid != geteuid() || gid != getegid()) &&
	    fchown(fd, uid, gid) < 0)
		return -1;
	*step = "keep the mode of";
	if (fchmod(fd, mode & 07777) < 0)
		return -1;
	*step = "flush";
	return fsync(fd);
}

int fileio_replace_at(int dir, const char *name, const char *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid, const char **step)
{
	char tmp[300];
	unsigned char rnd[6];
	const char *where = "create a temporary file";
	int fd, rc = -1, saved;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd)); /* O_EXCL still refuses a collision */
	snprintf(tmp, sizeof(tmp), ".%.200s.gitops-bump-%02x%02x%02x%02x%02x%02x", name, rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (fill(fd, data, len, mode, uid, gid, &where) < 0)
		goto out;
	where = "replace";
	if (renameat(dir, tmp, dir, name) < 0)
		goto out;
	rc = 0;
out:
	saved = errno;
	if (fd >= 0) {
		if (rc < 0)
			unlinkat(dir, tmp, 0);
		close(fd);
	}
	if (step)
		*step = where;
	errno = saved;
	return rc;
}
