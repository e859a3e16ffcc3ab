/*
 * commit: change files on a branch of a GitHub repository through the REST
 * API, without git and without a checkout, safely when other pipelines
 * commit to the same branch at the same time.
 *
 * The caller names the files and gives an edit callback that turns a file's
 * current content into its new content.  The callback runs again on fresh
 * content after every conflict, so a change someone else committed in the
 * meantime is kept, never overwritten.
 *
 * One file: the Contents API.
 *   GET contents/PATH?ref=BRANCH   content (base64) and its blob sha; the
 *                                   sha is checked against the content
 *   PUT contents/PATH              {message, content, sha, branch}
 *   Two requests per commit.  A file over 1 MB: GitHub answers the JSON
 *   GET with 403 "too_large"; it is then read again with the raw media type
 *   (application/vnd.github.raw+json) and its blob sha computed here (three
 *   requests).
 * Several files: one atomic, Verified commit through GraphQL.
 *   GET git/ref/heads/BRANCH -> GET git/commits/HEAD (its tree) -> the
 *   trees along each path (GET git/trees/SHA, each directory once) -> GET
 *   git/blobs/SHA per file -> one POST {api}/graphql createCommitOnBranch
 *   {branch, message {headline, body}, fileChanges {additions}, expectedHeadOid:
 *   HEAD} (on GHES the endpoint is https://HOST/api/graphql, not under
 *   /api/v3).  GitHub signs it for App and GITHUB_TOKEN credentials; it
 *   takes no author, so `author_name` is not used for it (a warning).
 *   The message is kept as headline, blank line, body.
 *
 * Conflicts: a 409 on the PUT (the blob sha is stale, or the branch moved)
 * or a GraphQL STALE_DATA error ("Expected branch to point to ...") means
 * another commit landed first.  The files are read again, the edit is applied again, and
 * the commit is retried, up to the client's max-attempts, within its time
 * budget.  Nothing is ever forced.  Before each retry the run waits a
 * uniform random time (gh_backoff_window) in a window that grows with the
 * attempt number and with the conflicts seen, scaled by how long the
 * conflicting attempt took (commit_backoff_window), and shrunk to leave
 * room for one more attempt in the budget.  A conflict after which every
 * file reads as that attempt read it (the branch moved through other
 * files) is not counted as an attempt, max-attempts times at most; so the
 * last counted attempt re-reads at once to learn whether it may go on.
 *
 * A lost answer: when a PUT's connection dies after GitHub applied it, the
 * client sends it again and the copy conflicts.  If the file read again is
 * exactly what that PUT wrote, the branch head is checked (git/ref,
 * git/commits, the file at the head and at its parent): when its message is
 * ours, it has one parent, and it changed the file from the blob the PUT
 * replaced to the blob it wrote, it is reported as our commit
 * (result.changed, sha, url; the file's old/new are the change).
 * Otherwise nothing is claimed (changed false) and a notice says an earlier
 * attempt may have committed it.  The GraphQL commit follows the same
 * rule: a 2xx answer whose body cannot be read, or a stale head after
 * which the files read as already changed, is ours when the branch head's
 * one parent is the head we expected and its message is ours.  Another
 * run making the identical commit from the identical file at the same time
 * cannot be told apart.
 *
 * An unreadable success: a 2xx PUT whose body is cut short or is no JSON
 * (a proxy on the way) made the commit, or may have.  The branch is read
 * back as for a lost answer: when the head is ours (same test as above)
 * it is reported as our commit; else the run fails saying the commit may
 * have been made (result.unsure), never as a plain failure that a re-run
 * would turn into a second commit.  (Several files: the GraphQL rule
 * above.)  Any write that went out without a usable answer (transport
 * failure after retries) also sets result.unsure.
 *
 * A manifest that is a symbolic link: the Contents API answers a link to a
 * file in the repository with the target (its own path and sha), and any
 * other link with type "symlink"; the tree has mode 120000.  Each is an
 * error at once naming the link (and its target), before anything is
 * written: a PUT on the link would conflict on every attempt.
 *
 * A protected branch (GitHub answers "Changes must be made through a pull
 * request", or "Protected branch update failed") is an error that says to
 * use pull-request mode.  A missing file is an error naming the path, the
 * branch and the repository (log_error_at, so the runner annotates it).
 *
 * No author or committer is sent unless the caller gives one, so commits
 * made with a GitHub App token or GITHUB_TOKEN show as Verified.
 * result.verified is what GitHub said: the PUT's commit.verification, the
 * GraphQL commit's signature.isValid, else GET commits/SHA.  With
 * `require_verified`, commit_pull_request opens no pull request for a
 * commit that is not Verified (an error).
 *
 * When no file changes, nothing is written (result.changed false).  With
 * `dry_run` the files are read and edited and nothing is written.
 *
 * Pull requests (commit_pull_request): the change goes to a new branch
 * created from the base branch's head, then a pull request is opened.  A
 * head branch that exists already (an earlier run) gets the change as a
 * fast-forward commit on top (nothing when it has it); a pull request that
 * exists already for the same head and base is success and reported.
 *
 * Errors are reported once (log_error / gh_fail) and returned as -1.
 *
 * Ownership: struct commit_file's buffers and strings belong to it
 * (commit_file_release); struct commit_result's strings to it
 * (commit_result_release).  Strings in commit_opts are borrowed.
 */
#ifndef GB_COMMIT_H
#define GB_COMMIT_H

#include "buf.h"
#include "github.h"

#include <stdbool.h>
#include <stddef.h>

#define COMMIT_FILE_MAX ((size_t)32 << 20) /* largest file read or written */
#define COMMIT_CONTENTS_MAX ((size_t)1 << 20) /* GitHub's JSON contents limit */

struct commit_file {
	const char *path;      /* repository path, normalised (borrowed) */
	struct buf old;        /* the content as last read */
	struct buf new;        /* the edit's result (valid when `changed`) */
	bool changed;          /* set by the edit callback */
	char blob[41];         /* blob sha of `old` */
	char seen[41];         /* `blob` when the last attempt conflicted */
	char mode[7];          /* file mode as the tree has it ("100644") */
};

/* Fill f->new from f->old and set f->changed.  Before every call (the edit
 * runs again after a conflict) the caller (commit_files,
 * commit_pull_request, workspace_edit) empties f->new and clears
 * f->changed, so an edit may append to f->new and leave f->changed alone
 * when nothing changed.  0, or -1 (reported). */
typedef int commit_edit_fn(void *arg, struct commit_file *f);

struct commit_opts {
	const char *repo;         /* owner/name */
	const char *branch;       /* the branch to commit to (pull requests: the base) */
	const char *message;      /* the commit message */
	const char *author_name;  /* both or neither: author and committer */
	const char *author_email;
	bool dry_run;
	commit_edit_fn *edit;
	void *arg;
	/* pull requests */
	const char *pr_branch;    /* the head branch to create */
	const char *pr_title;
	const char *pr_body;
	bool require_verified;    /* no pull request for an unverified commit */
};

struct commit_result {
	bool changed;     /* a commit was made (dry run: would be) */
	char *sha;        /* the new commit, or NULL */
	char *url;        /* its html_url, or NULL */
	char *pr_url;     /* the pull request's html_url, or NULL */
	long long pr_number; /* ... and its number (0: none, or not in the answer) */
	bool pr_existed;  /* the pull request was there already */
	int attempts;     /* commit attempts (1 without conflicts) */
	bool verified;    /* GitHub marked the commit Verified */
	bool verified_known; /* an answer said so either way */
	bool unsure;      /* a write to the branch went out whose effect is not
			   * known (no usable answer): a commit may have landed
			   * although the call failed (set with -1 only) */
};

void commit_file_init(struct commit_file *f, const char *path);
void commit_file_release(struct commit_file *f);
void commit_result_release(struct commit_result *r);

/* Commit the edit of `n` files to o->branch (see above).  0 or -1. */
int commit_files(struct gh_client *gh, const struct commit_opts *o,
		 struct commit_file *files, size_t n, struct commit_result *res);

/* The same on o->pr_branch, created from o->branch when missing, then a
 * pull request from o->pr_branch into o->branch.  When the base branch
 * already has the change, nothing is created (res->changed false, no pull
 * request).  0 or -1. */
int commit_pull_request(struct gh_client *gh, const struct commit_opts *o,
			struct commit_file *files, size_t n, struct commit_result *res);

/* The jitter window before counted attempt `attempt` (>= 2), after
 * `conflicts` conflicts, when the conflicting attempt took `took_ms`: in
 * base delays (gh_backoff_window), b * conflicts * 2^(attempt - 2) with
 * b = max(1, 2 * took_ms / GH_RETRY_BASE_MS), at most COMMIT_BACKOFF_CAP
 * * b.  Pure; for the unit tests. */
#define COMMIT_BACKOFF_CAP 30.0
double commit_backoff_window(int attempt, int conflicts, long took_ms);

#endif
