/*
 * packwrite — a commit's new git objects written as one pack file, and the
 * small packs that makes consolidated into bigger ones.
 *
 * libgit2 writes each new object as a loose file, and with
 * GIT_OPT_ENABLE_FSYNC_GITDIR fsyncs each file and its directory: a
 * one-mark commit (a blob, five trees, a commit) costs 16 fsyncs, and an
 * import of a year's marks hundreds of files that the next packing
 * delta-compresses again. Here a capturing object-database backend, put
 * in front of the repository's own, takes the objects a commit writes:
 * each is deflated and appended to a temporary pack file in objects/pack
 * as it comes (on a second thread once a commit grows past a megabyte, so
 * that serialising the next file overlaps deflating the last), and only
 * its id, type, size, offset and CRC stay in memory. ej_packw_flush()
 * then completes the pack (its object count and SHA-1 trailer), writes
 * its version 2 index from what it kept, fsyncs both, renames them into
 * place (the pack first: a pack without an index is never looked at) and
 * fsyncs the directory: one pack and one index whatever the number of
 * objects, with nothing inflated or hashed again. A writer killed on the
 * way leaves an "ej-tmp-" file, flock(2)ed while its writer lives; the
 * next commit removes it.
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
/* Raw bytes a commit deflates on its own thread before it starts a
 * second one (a one-mark commit never does). */
#define EJ_PACKW_THREAD_BYTES (1L << 20)

struct ej_packw;

/* Put a capturing backend in front of repo's object database; it passes
 * every write through until ej_packw_capture(). -1 on a git error. */
int ej_packw_attach(struct ej_packw **out, git_repository *repo);
/*
 * From now on, new objects are kept (readable as usual): with keep, in
 * the pack that ej_packw_flush() completes; without, only their ids are
 * counted (a tree computed to be compared, never written): blobs are
 * neither deflated nor kept, other objects kept as they are in memory.
 */
void ej_packw_capture(struct ej_packw *p, int keep);
/* Is p (which may be NULL) capturing? */
int ej_packw_capturing(const struct ej_packw *p);
/* Capture an object whose id the caller has computed (ej_packw_hash):
 * git_odb_write would hash it again. data is malloc'd and p's from now
 * on (freed, also on failure). 0, or -1 (a git error; errno tells). */
int ej_packw_add(struct ej_packw *p, const git_oid *id, void *data,
    size_t len, git_object_t type);
/* An object's id, as git_odb_hash() computes it (with the CPU's SHA-1
 * instructions where it has them). 0, or -1 (a git error). */
int ej_packw_hash(git_oid *id, const void *data, size_t len,
    git_object_t type);
/* Complete what was captured as one pack and its index in objects/pack
 * (nothing when nothing was), then stop capturing. 0, or -1 on an error
 * (git_error_last; errno tells, e.g. ENOSPC). */
int ej_packw_flush(struct ej_packw *p);
/* Forget what was captured (a commit abandoned) and stop capturing. */
void ej_packw_abort(struct ej_packw *p);

/* Consolidate the small packs of packdir when there are enough of them.
 * Returns the number of packs removed, or -1 on a git error. */
long ej_packw_consolidate(git_repository *repo, const char *packdir);

#endif
