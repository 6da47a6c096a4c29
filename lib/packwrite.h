/*
 * packwrite — a commit's new git objects written as one pack file, and the
 * small packs that makes consolidated into bigger ones.
 *
 * libgit2 writes each new object as a loose file, and with
 * GIT_OPT_ENABLE_FSYNC_GITDIR fsyncs each file and its directory: a
 * one-mark commit (a blob, five trees, a commit) costs 16 fsyncs, and an
 * import of a year's marks hundreds of files that the next packing
 * delta-compresses again. Here a capturing object-database backend, put
 * in front of the repository's own, keeps the objects a commit writes in
 * memory (deflated as they come); ej_packw_flush() then writes them as
 * one pack through libgit2's indexer: one pack and one index, fsynced
 * with their directory, whatever the number of objects.
 *
 * A commit's pack of fewer than EJ_PACKW_SMALL objects is small: once
 * there are EJ_PACKW_BATCH small packs, ej_packw_consolidate() packs
 * their objects again, delta-compressed, into one kept pack (a ".keep"
 * file beside it), and removes the small packs whose every object the new
 * one holds; EJ_PACKW_BATCH1 of the packs that makes are consolidated
 * the same way. A history of N one-mark commits so stays in about
 * N / 1024 + 80 packs. Bigger packs are kept as they are written.
 */
#ifndef EJ_PACKW_H
#define EJ_PACKW_H

#include <git2.h>

#define EJ_PACKW_SMALL 256
#define EJ_PACKW_BATCH 64
/* The packs that batches of small ones make are consolidated in turn,
 * EJ_PACKW_BATCH1 at a time, while they are below these sizes. */
#define EJ_PACKW_BATCH1 16
#define EJ_PACKW_TIER1 4096
#define EJ_PACKW_TIER1_BYTES (4L << 20)

struct ej_packw;

/* Put a capturing backend in front of repo's object database; it passes
 * every write through until ej_packw_capture(). -1 on a git error. */
int ej_packw_attach(struct ej_packw **out, git_repository *repo);
/* From now on, new objects are kept in memory (readable as usual). */
void ej_packw_capture(struct ej_packw *p);
/* Is p (which may be NULL) capturing? */
int ej_packw_capturing(const struct ej_packw *p);
/* Capture an object whose id the caller has computed (git_odb_hash):
 * git_odb_write would hash it again. 0, or -1 (a git error). */
int ej_packw_add(struct ej_packw *p, const git_oid *id, const void *data,
    size_t len, git_object_t type);
/* Write what was captured as one pack in packdir (nothing when nothing
 * was), then stop capturing. 0, or -1 on a git error (git_error_last). */
int ej_packw_flush(struct ej_packw *p, const char *packdir);
/* Forget what was captured (a commit abandoned) and stop capturing. */
void ej_packw_abort(struct ej_packw *p);

/* Consolidate the small packs of packdir when there are enough of them.
 * Returns the number of packs removed, or -1 on a git error. */
long ej_packw_consolidate(git_repository *repo, const char *packdir);

#endif
