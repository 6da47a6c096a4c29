/* priv — a setgid command's two sets of rights; see priv.h. */
/* getresgid, setresgid */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "i18n.h"
#include "paths.h"
#include "priv.h"
#include "history.h"

static void
gids(gid_t *r, gid_t *e, gid_t *s)
{
	if (getresgid(r, e, s) < 0)
		*r = *e = *s = getgid();
}

int
ej_privileged(void)
{
	gid_t r, e, s;

	gids(&r, &e, &s);
	return s != r || e != r;
}

gid_t
ej_priv_group(void)
{
	gid_t r, e, s;

	gids(&r, &e, &s);
	return s != r ? s : e;
}

/*
 * Variables that make a library read a file the user names, which it
 * would read with the group's rights; the C library drops its own (LD_*,
 * TMPDIR, LOCPATH…) for a setgid program, not these: libmagic prints
 * every line of a MAGIC file it cannot parse, SQLite makes its temporary
 * files in SQLITE_TMPDIR.
 */
static const char *const unsafe_env[] = {
	"MAGIC", "SQLITE_TMPDIR", "TMPDIR", "TMP", "TEMP", "GIT_DIR",
	"GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
	"GIT_CONFIG_PARAMETERS", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH",
	"XDG_CONFIG_HOME"
};

void
ej_priv_init(void)
{
	gid_t r, e, s;
	size_t i;

	gids(&r, &e, &s);
	if (e == r)
		return;
	if (setresgid((gid_t)-1, r, (gid_t)-1) < 0)
		abort();
	for (i = 0; i < sizeof unsafe_env / sizeof unsafe_env[0]; i++)
		unsetenv(unsafe_env[i]);
}

int
ej_priv_raise(struct ej_diag *d)
{
	gid_t r, e, s;

	gids(&r, &e, &s);
	if (s == r || e == s)
		return 0;
	if (setresgid((gid_t)-1, s, (gid_t)-1) < 0)
		return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("cannot take the store group's rights: %s"),
		    strerror(errno));
	return 0;
}

/*
 * The calling thread's effective gid. Linux keeps credentials per thread
 * and the C library's setresgid() changes every thread's: the system call
 * itself changes this one only, so a thread opening the history at the
 * same time is not left without the group's rights.
 */
static int
thread_egid(gid_t g)
{
#ifdef __linux__
	return (int)syscall(SYS_setresgid, (gid_t)-1, g, (gid_t)-1);
#else
	return setresgid((gid_t)-1, g, (gid_t)-1);
#endif
}

/* Run with the user's own group: the group in effect before, or -1 when
 * nothing had to change. */
static gid_t
as_user(void)
{
	gid_t r, e, s;

	gids(&r, &e, &s);
	if (e == r)
		return (gid_t)-1;
	if (thread_egid(r) < 0)
		abort();
	return e;
}

static void
as_before(gid_t e)
{
	int err = errno;

	/* Without its rights back the command cannot go on safely. */
	if (e != (gid_t)-1 && thread_egid(e) < 0)
		abort();
	errno = err;
}

static int
user_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	gid_t e = as_user();
	int fd = openat(dirfd, path, flags | O_CLOEXEC, mode);

	as_before(e);
	return fd;
}

int
ej_user_open(const char *path, int flags, mode_t mode)
{
	return user_openat(AT_FDCWD, path, flags, mode);
}

int
ej_user_mkdir(const char *path, mode_t mode)
{
	gid_t e = as_user();
	int rc = mkdir(path, mode);

	as_before(e);
	return rc;
}

int
ej_user_unlink(const char *path)
{
	gid_t e = as_user();
	int rc = unlink(path);

	as_before(e);
	return rc;
}

int
ej_user_exists(const char *path)
{
	struct stat st;
	gid_t e = as_user();
	int rc = stat(path, &st);

	as_before(e);
	return rc == 0;
}

FILE *
ej_user_fopen(const char *path, const char *how)
{
	int fd = ej_user_open(path, O_RDONLY, 0);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, how)) == NULL) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

FILE *
ej_user_create(int dirfd, const char *path, const char *shown,
    const char *why, struct ej_diag *d)
{
	int fd = user_openat(dirfd, path,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	FILE *f;

	if (!shown)
		shown = path;
	if (fd < 0) {
		if (errno == EEXIST || errno == ELOOP)
			ej_error(d, EJ_EXIT_CANTCREAT, shown, 0, 0, "%s; %s",
			    strerror(errno), why ? why : _("an output file "
			    "is never written over, nor through a link"));
		else
			ej_error(d, EJ_EXIT_CANTCREAT, shown, 0, 0, "%s",
			    strerror(errno));
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		ej_error(d, EJ_EXIT_CANTCREAT, shown, 0, 0, "%s",
		    strerror(errno));
		close(fd);
	}
	return f;
}

/* ------------------------------------------------- the allowed stores */

static void
add_store(char ***v, size_t *n, const char *path)
{
	char *canon;
	size_t i;

	if (path[0] != '/' || (canon = realpath(path, NULL)) == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], canon) == 0) {
			free(canon);
			return;
		}
	*v = ej_xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = canon;
	(*v)[*n] = NULL;
}

/* Root's own file: owned by root, writable by no one else, in a directory
 * of the same kind; anything else is not read at all. */
static FILE *
root_file(const char *path)
{
	struct stat st, dst;
	char *dir = ej_xstrdup(path), *slash = strrchr(dir, '/');
	int fd;
	FILE *f = NULL;

	if (slash && slash != dir)
		*slash = '\0';
	if (stat(dir, &dst) == 0 && dst.st_uid == 0 &&
	    !(dst.st_mode & 022) &&
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == 0 && !(st.st_mode & 022))
			f = fdopen(fd, "r");
		if (!f)
			close(fd);
	}
	free(dir);
	return f;
}

char **
ej_priv_stores(void)
{
	char **v = ej_xcalloc(1, sizeof *v), *list, *tok, *save;
	char line[PATH_MAX + 2];
	size_t n = 0;
	FILE *f;

	list = ej_xstrdup(EJ_STORE_DIRS);
	for (tok = strtok_r(list, ":", &save); tok;
	    tok = strtok_r(NULL, ":", &save))
		add_store(&v, &n, tok);
	free(list);
	if ((f = root_file(EJ_SYSCONFDIR "/ej/stores")) != NULL) {
		while (fgets(line, sizeof line, f)) {
			char *p = line, *end;

			p += strspn(p, " \t");
			end = p + strcspn(p, "\r\n#");
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			*end = '\0';
			if (*p)
				add_store(&v, &n, p);
		}
		fclose(f);
	}
	return v;
}

char *
ej_priv_stores_text(char **stores)
{
	size_t i, len = 1;
	char *s;

	if (!stores || !stores[0])
		return ej_xstrdup(_("none"));
	for (i = 0; stores[i]; i++)
		len += strlen(stores[i]) + 2;
	s = ej_xmalloc(len);
	s[0] = '\0';
	for (i = 0; stores[i]; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, stores[i]);
	}
	return s;
}

int
ej_priv_store(char **out, const char *named, struct ej_diag *d)
{
	char **stores, *canon = NULL, *list;
	size_t i, n;
	int rc = -1;

	*out = NULL;
	/* The stores' own paths may be reachable by the group alone. */
	if (ej_priv_raise(d) < 0)
		return -1;
	stores = ej_priv_stores();
	for (n = 0; stores[n]; n++)
		;
	if (named == NULL && n == 1) {
		*out = ej_xstrdup(stores[0]);
		ej_strv_free(stores);
		return 0;
	}
	if (named != NULL && (canon = realpath(named, NULL)) != NULL)
		for (i = 0; i < n; i++)
			if (strcmp(canon, stores[i]) == 0) {
				*out = canon;
				ej_strv_free(stores);
				return 0;
			}
	/* Not one of them: the group's rights are not needed to say so. */
	ej_priv_init();
	list = ej_priv_stores_text(stores);
	if (n == 0)
		ej_error(d, EJ_EXIT_NOPERM, named, 0, 0,
		    _("this command runs with the rights of a group store's "
		    "group, and root has named no store it may open (%s)"),
		    EJ_SYSCONFDIR "/ej/stores");
	else if (named == NULL)
		ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("no store: give --store with one of the school's "
		    "stores: %s"), list);
	else
		ej_error(d, EJ_EXIT_NOPERM, named, 0, 0,
		    _("not a store this command may open; the school's "
		    "stores are: %s"), list);
	free(list);
	free(canon);
	ej_strv_free(stores);
	return rc;
}

/* ------------------------------------------------------ the layout */

struct layout {
	gid_t gid;
	ej_layout_fn fn;
	void *arg;
	int offences;
	char path[PATH_MAX];
};

static void
offence(struct layout *l, const char *what)
{
	l->offences++;
	l->fn(l->arg, l->path[0] ? l->path : ".", what);
}

/* One entry's stat against what ej makes; 1 when it is a directory to
 * go into. */
static int
judge(struct layout *l, const struct stat *st, int regular_only)
{
	if (S_ISLNK(st->st_mode)) {
		offence(l, _("is a symbolic link"));
		return 0;
	}
	if (st->st_gid != l->gid)
		offence(l, _("belongs to another group than the store's"));
	if (S_ISDIR(st->st_mode) && !regular_only) {
		if (st->st_mode & 0002)
			offence(l, _("is a directory anyone may write to"));
		return 1;
	}
	if (!S_ISREG(st->st_mode))
		offence(l, _("is not a regular file"));
	else if (st->st_nlink > 1)
		offence(l, _("has other hard links"));
	return 0;
}

/* Every entry under the open directory fd, whose path is l->path. */
static void
walk(struct layout *l, int fd, int depth)
{
	size_t len = strlen(l->path);
	struct dirent *e;
	DIR *dp;

	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(dp)) != NULL) {
		struct stat st;
		size_t n = strlen(e->d_name);
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    len + 1 + n + 1 > sizeof l->path)
			continue;
		l->path[len] = '/';
		memcpy(l->path + len + 1, e->d_name, n + 1);
		if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    judge(l, &st, 0) && depth < 16 &&
		    (sub = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) >= 0)
			walk(l, sub, depth + 1);
		l->path[len] = '\0';
	}
	closedir(dp);
}

int
ej_store_layout(const char *dir, gid_t gid, ej_layout_fn fn, void *arg)
{
	static const char *const db[] = {
		"ej.db", "ej.db-wal", "ej.db-shm", "ej.db-journal"
	};
	struct layout l;
	struct stat st;
	size_t i;
	int dfd, sub;

	memset(&l, 0, sizeof l);
	l.fn = fn;
	l.arg = arg;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		if (errno != ELOOP && errno != ENOTDIR)
			return -1;
		offence(&l, _("is a symbolic link or not a directory"));
		return l.offences;
	}
	if (fstat(dfd, &st) < 0) {
		close(dfd);
		return -1;
	}
	l.gid = gid == (gid_t)-1 ? st.st_gid : gid;
	if (st.st_gid != l.gid)
		offence(&l, _("belongs to another group than the store's"));
	if (st.st_mode & 0007)
		offence(&l, _("is open to others"));
	for (i = 0; i < sizeof db / sizeof db[0]; i++) {
		snprintf(l.path, sizeof l.path, "%s", db[i]);
		if (fstatat(dfd, db[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			judge(&l, &st, 1);
	}
	snprintf(l.path, sizeof l.path, "history.git");
	if (fstatat(dfd, l.path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    judge(&l, &st, 0) && (sub = openat(dfd, l.path, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
		walk(&l, sub, 0);
	close(dfd);
	return l.offences;
}
