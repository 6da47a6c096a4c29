/*
 * packwrite: the pack and index a commit writes itself, read back by
 * libgit2 and checked by git (verify-pack; index-pack makes the same
 * index from the pack byte for byte); objects read while still being
 * written; a commit abandoned or counted only leaves no file; what a
 * killed writer left is swept, a live writer's file is not; the ids are
 * git's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packwrite.h"

struct fx {
	struct ej_fx x;
	char git[128], packdir[160];
	git_repository *repo;
	struct ej_packw *p;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	ej_fx_init(&f->x);
	git_libgit2_init();
	snprintf(f->git, sizeof f->git, "%s/h.git", f->x.dir);
	snprintf(f->packdir, sizeof f->packdir, "%s/objects/pack", f->git);
	assert_int_equal(git_repository_init(&f->repo, f->git, 1), 0);
	assert_int_equal(ej_packw_attach(&f->p, f->repo), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	git_repository_free(f->repo);   /* frees the backend too */
	git_libgit2_shutdown();
	ej_fx_fini(&f->x);
	free(f);
	return 0;
}

/* Files in the pack directory whose name ends with ext. */
static int
count(const struct fx *f, const char *ext)
{
	DIR *dp = opendir(f->packdir);
	struct dirent *e;
	size_t n = strlen(ext), len;
	int c = 0;

	if (!dp)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if ((len = strlen(e->d_name)) >= n &&
		    strcmp(e->d_name + len - n, ext) == 0)
			c++;
	closedir(dp);
	return c;
}

/* The path of the only file with that ending. */
static void
only(const struct fx *f, const char *ext, char *out, size_t n)
{
	DIR *dp = opendir(f->packdir);
	struct dirent *e;
	size_t m = strlen(ext), len;

	assert_non_null(dp);
	out[0] = '\0';
	while ((e = readdir(dp)) != NULL)
		if ((len = strlen(e->d_name)) >= m &&
		    strcmp(e->d_name + len - m, ext) == 0)
			snprintf(out, n, "%s/%s", f->packdir, e->d_name);
	closedir(dp);
	assert_true(out[0] != '\0');
}

/* Deterministic bytes: text-like (compressible) or noise. */
static char *
bytes(size_t len, unsigned seed, int noise)
{
	static const char pat[] =
	    "2020-09-01,1,0,1234,Иванов Пётр,5,контрольная,nechaeva\n";
	char *b = malloc(len ? len : 1);
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	assert_non_null(b);
	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = noise ? (char)(x >> 16) : pat[i % (sizeof pat - 1)];
	}
	return b;
}

#define NBLOB 48

struct blob {
	git_oid id;
	size_t len;
	unsigned seed;
	int noise;
};

/* Capture a set of blobs big enough to start the second thread, one of
 * them twice, and a tree of them. */
static void
capture(struct fx *f, struct blob *bl, git_oid *tree)
{
	git_treebuilder *tb;
	int i;

	ej_packw_capture(f->p, 1);
	assert_true(ej_packw_capturing(f->p));
	for (i = 0; i < NBLOB; i++) {
		char *b;

		bl[i].seed = (unsigned)i;
		bl[i].noise = i % 3 == 0;
		bl[i].len = i == 0 ? 0 : i == 1 ? 1 : (size_t)(i * 7919) % 200000;
		b = bytes(bl[i].len, bl[i].seed, bl[i].noise);
		assert_int_equal(ej_packw_hash(&bl[i].id, b, bl[i].len,
		    GIT_OBJECT_BLOB), 0);
		assert_int_equal(ej_packw_add(f->p, &bl[i].id, b, bl[i].len,
		    GIT_OBJECT_BLOB), 0);
	}
	/* The same blob again: one object. */
	{
		char *b = bytes(bl[5].len, bl[5].seed, bl[5].noise);

		assert_int_equal(ej_packw_add(f->p, &bl[5].id, b, bl[5].len,
		    GIT_OBJECT_BLOB), 0);
	}
	/* A tree through libgit2 (its write comes to the backend; its
	 * entries are checked to exist there). */
	assert_int_equal(git_treebuilder_new(&tb, f->repo, NULL), 0);
	for (i = 0; i < NBLOB; i++) {
		char name[16];

		snprintf(name, sizeof name, "f%02d", i);
		assert_int_equal(git_treebuilder_insert(NULL, tb, name,
		    &bl[i].id, GIT_FILEMODE_BLOB), 0);
	}
	assert_int_equal(git_treebuilder_write(tree, tb), 0);
	git_treebuilder_free(tb);
}

/* Every blob reads back as written. */
static void
read_all(git_repository *repo, const struct blob *bl)
{
	git_odb *odb;
	int i;

	assert_int_equal(git_repository_odb(&odb, repo), 0);
	for (i = 0; i < NBLOB; i++) {
		git_odb_object *o;
		char *want = bytes(bl[i].len, bl[i].seed, bl[i].noise);

		assert_int_equal(git_odb_read(&o, odb, &bl[i].id), 0);
		assert_int_equal(git_odb_object_type(o), GIT_OBJECT_BLOB);
		assert_int_equal(git_odb_object_size(o), bl[i].len);
		if (bl[i].len)
			assert_memory_equal(git_odb_object_data(o), want,
			    bl[i].len);
		git_odb_object_free(o);
		free(want);
	}
	git_odb_free(odb);
}

static void
test_pack_and_index(void **state)
{
	struct fx *f = *state;
	struct blob bl[NBLOB];
	git_oid tree;
	git_tree *t;
	git_repository *again;
	char idx[512], pack[512], cmd[4096];

	capture(f, bl, &tree);
	/* Readable while being written: from the temporary pack. */
	read_all(f->repo, bl);
	assert_int_equal(git_tree_lookup(&t, f->repo, &tree), 0);
	assert_int_equal(git_tree_entrycount(t), NBLOB);
	git_tree_free(t);
	assert_int_equal(count(f, ".idx"), 0);
	assert_int_equal(ej_packw_flush(f->p), 0);
	assert_false(ej_packw_capturing(f->p));
	/* One pack, one index, nothing temporary, no loose object. */
	assert_int_equal(count(f, ".pack"), 1);
	assert_int_equal(count(f, ".idx"), 1);
	only(f, ".idx", idx, sizeof idx);
	only(f, ".pack", pack, sizeof pack);
	{
		DIR *dp = opendir(f->packdir);
		struct dirent *e;

		while ((e = readdir(dp)) != NULL)
			assert_null(strstr(e->d_name, "ej-tmp-"));
		closedir(dp);
	}
	/* A fresh repository finds everything in it. */
	assert_int_equal(git_repository_open_bare(&again, f->git), 0);
	read_all(again, bl);
	assert_int_equal(git_tree_lookup(&t, again, &tree), 0);
	assert_int_equal(git_tree_entrycount(t), NBLOB);
	git_tree_free(t);
	git_repository_free(again);
	/* git agrees: the pack verifies (every object's CRC and id, both
	 * checksums), and index-pack makes the very same index from it. */
	snprintf(cmd, sizeof cmd, "git verify-pack '%s' && "
	    "git index-pack -o '%s/again.idx' '%s' >/dev/null && "
	    "cmp '%s' '%s/again.idx' && "
	    "git verify-pack -v '%s' | grep -c '^[0-9a-f]\\{40\\} blob' | "
	    "grep -qx %d", idx, f->x.dir, pack, idx, f->x.dir, idx, NBLOB);
	assert_int_equal(system(cmd), 0);
}

static void
test_abort_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct blob bl[NBLOB];
	git_oid tree;

	capture(f, bl, &tree);
	assert_true(count(f, "") > 0);        /* the temporary pack */
	ej_packw_abort(f->p);
	assert_false(ej_packw_capturing(f->p));
	assert_int_equal(count(f, ".pack"), 0);
	assert_int_equal(count(f, ".idx"), 0);
	{
		DIR *dp = opendir(f->packdir);
		struct dirent *e;

		while ((e = readdir(dp)) != NULL)
			assert_true(e->d_name[0] == '.');
		closedir(dp);
	}
	/* Nothing captured: nothing to flush. */
	ej_packw_capture(f->p, 1);
	assert_int_equal(ej_packw_flush(f->p), 0);
	assert_int_equal(count(f, ".pack"), 0);
}

/* Counted only: the tree's id, readable, and no file at all. */
static void
test_count_only(void **state)
{
	struct fx *f = *state;
	git_treebuilder *tb;
	git_oid id, tree, want;
	git_tree *t;
	char *b = bytes(3000000, 7, 1);

	ej_packw_capture(f->p, 0);
	assert_int_equal(ej_packw_hash(&id, b, 3000000, GIT_OBJECT_BLOB), 0);
	assert_int_equal(git_odb_hash(&want, b, 3000000, GIT_OBJECT_BLOB), 0);
	assert_true(git_oid_equal(&id, &want));
	assert_int_equal(ej_packw_add(f->p, &id, b, 3000000, GIT_OBJECT_BLOB),
	    0);
	assert_int_equal(git_treebuilder_new(&tb, f->repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "big", &id,
	    GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&tree, tb), 0);
	git_treebuilder_free(tb);
	assert_int_equal(git_tree_lookup(&t, f->repo, &tree), 0);
	git_tree_free(t);
	assert_int_equal(ej_packw_flush(f->p), 0);
	assert_int_equal(count(f, ""), 2);    /* "." and ".." */
}

/* What a killed writer left goes with the next pack; a file a live
 * writer holds stays. */
static void
test_sweep(void **state)
{
	struct fx *f = *state;
	struct blob bl[NBLOB];
	git_oid tree;
	char dead[256], live[256];
	int fd, lfd;

	snprintf(dead, sizeof dead, "%s/ej-tmp-dead.pack", f->packdir);
	snprintf(live, sizeof live, "%s/ej-tmp-live.pack", f->packdir);
	assert_true((fd = open(dead, O_CREAT | O_WRONLY, 0444)) >= 0);
	close(fd);
	assert_true((lfd = open(live, O_CREAT | O_WRONLY, 0444)) >= 0);
	assert_int_equal(flock(lfd, LOCK_EX), 0);
	capture(f, bl, &tree);
	assert_int_equal(ej_packw_flush(f->p), 0);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	close(lfd);
	assert_int_equal(count(f, ".idx"), 1);
}

/* A pack that cannot be written: an error naming why, errno set, and
 * nothing left behind. */
static void
test_write_fails(void **state)
{
	struct fx *f = *state;
	git_oid id;
	char *b = bytes(100, 1, 0), cmd[256];
	const git_error *e;

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->packdir);
	assert_int_equal(system(cmd), 0);
	ej_packw_capture(f->p, 1);
	assert_int_equal(ej_packw_hash(&id, b, 100, GIT_OBJECT_BLOB), 0);
	errno = 0;
	assert_int_equal(ej_packw_add(f->p, &id, b, 100, GIT_OBJECT_BLOB), -1);
	assert_int_equal(errno, ENOENT);
	e = git_error_last();
	assert_non_null(e);
	assert_non_null(strstr(e->message, "objects/pack"));
	ej_packw_abort(f->p);
}

/* The ids are git's, for every type. */
static void
test_hash(void **state)
{
	static const git_object_t types[] = {GIT_OBJECT_BLOB, GIT_OBJECT_TREE,
	    GIT_OBJECT_COMMIT, GIT_OBJECT_TAG};
	size_t lens[] = {0, 1, 55, 56, 64, 100000};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof types / sizeof *types; i++)
		for (j = 0; j < sizeof lens / sizeof *lens; j++) {
			char *b = bytes(lens[j], (unsigned)j, 1);
			git_oid a, w;

			assert_int_equal(ej_packw_hash(&a, b, lens[j], types[i]),
			    0);
			assert_int_equal(git_odb_hash(&w, b, lens[j], types[i]),
			    0);
			assert_true(git_oid_equal(&a, &w));
			free(b);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pack_and_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_count_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails, setup,
		    teardown),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
