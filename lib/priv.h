/*
 * priv — the two sets of rights of a command installed setgid to a group
 * store's group (ej(7), SECURITY), the way crontab(1) guards its spool:
 *
 * - the stores such a command may open are fixed by root (the list built
 *   in with EJ_STORE_DIRS, and the root-owned file SYSCONFDIR/ej/stores),
 *   never by the caller's --store or EJ_STORE;
 * - it starts with the group's rights dropped (ej_priv_init), takes them
 *   once the store is known to be one of those (ej_priv_raise), and opens
 *   every file the user names — inputs, slips, mail, --out — with the
 *   user's own ids (ej_user_open), creating outputs new and never through
 *   a link;
 * - inside the store nothing is followed: the store directory, ej.db and
 *   everything under history.git must be what ej made (ej_store_layout).
 *
 * A command that is not setgid (the real and saved group ids are the same)
 * is unaffected: every call here is then a plain open(2) or no-op.
 */
#ifndef EJ_PRIV_H
#define EJ_PRIV_H

#include <stdio.h>
#include <sys/types.h>

#include "err.h"

/* 1 when the process runs with a group's rights that are not the user's
 * own (installed setgid), whatever the rights in effect right now. */
int ej_privileged(void);
/* The group a setgid command was installed to (its saved set-group-ID). */
gid_t ej_priv_group(void);

/* Drop the group's rights (the effective gid becomes the real one) and
 * the environment variables that would make a library read a file the
 * user names (MAGIC, SQLITE_TMPDIR, GIT_*…); the first thing a command
 * does. */
void ej_priv_init(void);
/* Take the group's rights, for the store's sake. */
int ej_priv_raise(struct ej_diag *d);

/*
 * Open a file the user named with the user's own rights (on Linux only
 * the calling thread changes ids, so a thread that opens the store at the
 * same time keeps the group's). flags as open(2); O_CLOEXEC is added.
 */
int ej_user_open(const char *path, int flags, mode_t mode);
/* mkdir(2) and unlink(2) with the user's own rights. */
int ej_user_mkdir(const char *path, mode_t mode);
int ej_user_unlink(const char *path);
/* Whether the path exists for the user (stat(2) with the user's rights). */
int ej_user_exists(const char *path);

/* An input file the user named, as a stdio stream ("rb"/"r"); "-" is not
 * handled here. NULL and errno on failure. */
FILE *ej_user_fopen(const char *path, const char *how);
/*
 * A new output file the user named, with the user's own rights: created,
 * never overwritten and never through a symbolic link (O_EXCL|O_NOFOLLOW),
 * mode 0600 (it holds personal data). On failure the error is recorded
 * (73 when the file exists or is a link, naming the path) and NULL is
 * returned, the message ending in why (NULL: a general one). dirfd
 * AT_FDCWD or a directory the user opened.
 */
FILE *ej_user_create(int dirfd, const char *path, const char *shown,
    const char *why, struct ej_diag *d);

/*
 * The stores a setgid command may open: canonical paths, NULL-terminated;
 * free with ej_strv_free. The built-in list comes first, then the lines of
 * SYSCONFDIR/ej/stores, which counts only when it and its directory are
 * owned by root and writable by no one else.
 */
char **ej_priv_stores(void);
/* The stores, joined for a message: "/var/lib/ej, /srv/ej" or "none". */
char *ej_priv_stores_text(char **stores);
/*
 * For a setgid command: resolve the store named (NULL: the only one
 * allowed, if there is one), refuse any that is not one of the allowed
 * (77, naming them), take the group's rights and return the store's
 * canonical path in *out.
 */
int ej_priv_store(char **out, const char *named, struct ej_diag *d);

/*
 * Inside a store, nothing that ej did not make: the directory, ej.db (and
 * its -wal, -shm, -journal), history.git and every path under it are no
 * symbolic links, no hard links to files elsewhere, and belong to group
 * gid ((gid_t)-1: the store directory's group); no directory is open to
 * others. Each offence is passed to fn (path relative to the store, and
 * what is wrong); returns the number of offences, or -1 when the store
 * cannot be read (errno).
 */
typedef void (*ej_layout_fn)(void *arg, const char *path, const char *what);
int ej_store_layout(const char *dir, gid_t gid, ej_layout_fn fn, void *arg);

#endif
