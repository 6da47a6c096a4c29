/*
 * sync — the history off site and the district's mirrors, over any git
 * remote libgit2 reaches (a path or file://, git://, ssh://, https://).
 *
 * Remotes live in the store's history.git config. A push sends main to
 * refs/heads/main of the remote and never forces. A mirror is a store
 * made by ej_sync_clone: its history is the source's, its config says
 * ej.mirror = URL, its database is written only by ej_sync_pull, which
 * fast-forwards main and reloads only the snapshot files that changed.
 * Over ssh the host key must be in ~/.ssh/known_hosts (an unknown host is
 * refused); the key is --identity, else ssh-agent, else ~/.ssh/id_ed25519,
 * id_ecdsa, id_rsa.
 */
#ifndef EJ_SYNC_H
#define EJ_SYNC_H

#include <stdio.h>

#include "err.h"
#include "store.h"

#define EJ_SYNC_SOURCE "origin"  /* a mirror's source remote */

struct ej_sync_opts {
	const char *identity;    /* private key file, or NULL */
	int verbose;             /* name the files a pull reloads */
	FILE *log;               /* what a verbose run says (stderr) */
};

/* Remotes: add (the name a word, the URL any libgit2 takes), remove,
 * list as "NAME<TAB>URL" lines. -1 with an error (2 for a bad name, 65
 * for a name that exists or does not). */
int ej_sync_remote_add(struct ej_store *s, const char *name, const char *url,
    struct ej_diag *d);
int ej_sync_remote_remove(struct ej_store *s, const char *name,
    struct ej_diag *d);
/* NAME<TAB>URL a line; unless reveal, a password (or an http token) in a
 * URL is shown as "***". */
int ej_sync_remote_list(struct ej_store *s, FILE *out, int reveal,
    struct ej_diag *d);
/* The URL with the secret of its user part masked; to be freed. */
char *ej_sync_url_masked(const char *url);

struct ej_sync_push_result {
	size_t objects;          /* objects sent */
	int uptodate;            /* the remote had main already */
};

/*
 * Push main to the remote's refs/heads/main, never forced. A rejection
 * (not a fast-forward, or the server's refusal) is an error naming the
 * remote and the ref, exit 1. Records the time and the commit pushed in
 * the config (remote.NAME.ejpushed, remote.NAME.ejpushedcommit).
 */
int ej_sync_push(struct ej_store *s, const char *name,
    const struct ej_sync_opts *o, struct ej_sync_push_result *r,
    struct ej_diag *d);

/*
 * A new mirror at dir (which must not exist, or be empty) from url: the
 * history fetched, main set to the source's, the database loaded from it
 * and checked against the commit's tree. On failure nothing is left.
 */
int ej_sync_clone(const char *url, const char *dir,
    const struct ej_sync_opts *o, struct ej_diag *d);

struct ej_sync_pull_result {
	git_oid from, to;
	size_t commits;          /* new commits */
	char **paths;            /* files reloaded, NULL-terminated */
};
void ej_sync_pull_result_free(struct ej_sync_pull_result *r);

/*
 * Bring a mirror up to its source (name NULL: EJ_SYNC_SOURCE): fetch into
 * refs/remotes/NAME/main, check it descends from main (a rewritten
 * upstream is refused, exit 65, nothing changed), move main by
 * compare-and-swap, reload the changed files in one transaction and set
 * meta.head. Not a mirror: exit 77.
 */
int ej_sync_pull(struct ej_store *s, const char *name,
    const struct ej_sync_opts *o, struct ej_sync_pull_result *r,
    struct ej_diag *d);

/* The mirror's source URL in *url (malloc'd): 1 a mirror, 0 not, -1
 * error. Opens the history (libgit2). */
int ej_sync_mirror_of(struct ej_store *s, char **url, struct ej_diag *d);

/*
 * Who reads a mirror: the district's people are not on the school's
 * staff. For a user not on the staff, a mirror's reader acts with the
 * rights to read and audit (deputy, technician); a write is refused with
 * "this store is a mirror of URL" (exit 77). Returns 1 when it set the
 * actor, 0 when the ordinary rules apply (on the staff, or not a
 * mirror), -1 with an error.
 */
int ej_sync_mirror_actor(struct ej_store *s, int write, struct ej_diag *d);

/* One remote's state, as far as this store knows without the network. */
struct ej_sync_status {
	char *name, *url;
	int known;               /* refs/remotes/NAME/main exists */
	size_t ahead, behind;    /* main against it */
	char *pushed_at;         /* "2026-11-29T05:00:00Z", or NULL */
	char *pulled_at;
};
/* Every remote, or the one named. *out is an array of *n. */
int ej_sync_status_get(struct ej_store *s, const char *name,
    struct ej_sync_status **out, size_t *n, struct ej_diag *d);
void ej_sync_status_free(struct ej_sync_status *v, size_t n);

/*
 * The audit's sync rules (ej-audit's rule table calls this):
 *   sync.push-stale (warning): a remote is configured and main holds
 *     commits it lacks, unpushed for more than audit.push_days days
 *     (settings; default 7), or never pushed.
 *   sync.mirror-behind (warning): a mirror whose main is behind its
 *     source. With online, the source is asked (ls-remote); without, the
 *     last fetch tells, and a mirror not pulled for push_days is behind
 *     as far as it knows.
 * now is the time to judge by (time(NULL)). Findings in *out (*n of
 * them); 0, or -1 with an error.
 */
enum ej_sync_severity {
	EJ_SYNC_WARNING = 1,
	EJ_SYNC_ERROR = 2
};
struct ej_sync_finding {
	int severity;
	const char *rule;        /* "sync.push-stale" */
	char *detail;            /* for people, translated */
};
int ej_sync_audit(struct ej_store *s, int online, long long now,
    const struct ej_sync_opts *o, struct ej_sync_finding **out, size_t *n,
    struct ej_diag *d);
void ej_sync_findings_free(struct ej_sync_finding *v, size_t n);

#endif
