/*
 * ej-issue-login — e-diary accounts for pupils and parents whose
 * documents are on record: issue in batches with printable slips, reset,
 * revoke, verify a password, export for an external e-diary, list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "account.h"
#include "cli.h"
#include "consent.h"
#include "csvio.h"
#include "i18n.h"
#include "priv.h"
#include "roster.h"
#include "text.h"
#include "who.h"

static const char usage[] =
    "ej-issue-login issue [-n] [--pupils] [--parents] [--slips FILE] "
    "[--format csv|html] [--threads N]\n"
    "           [--class C | --parallel N | --pupil P | --parent P | FILE]\n"
    "       ej-issue-login reset [-n] [--reason R] [--slips FILE] "
    "[--format csv|html] [--threads N]\n"
    "           [--class C | --lost | LOGIN ...]\n"
    "       ej-issue-login revoke [-n] --reason R LOGIN ...\n"
    "       ej-issue-login verify LOGIN\n"
    "       ej-issue-login export\n"
    "       ej-issue-login list [--class C]\n"
    "every form takes --store DIR";

enum {
	OPT_CLASS = EJ_OPT_FIRST_LOCAL,
	OPT_PARALLEL,
	OPT_PUPIL,
	OPT_PARENT,
	OPT_PUPILS,
	OPT_PARENTS,
	OPT_SLIPS,
	OPT_FORMAT,
	OPT_THREADS,
	OPT_REASON,
	OPT_LOST
};

struct opts {
	struct ej_account_sel sel;
	const char *class_name;
	const char *slips;
	const char *reason;
	int html;
	int threads;
};

/* Exit 1: the command worked and found something (skipped people, a
 * password that does not match) — unless an error calls for more. */
static _Noreturn void
found(struct ej_cli *c)
{
	if (ej_diag_status(&c->d) != 0)
		ej_cli_exit(c);
	ej_store_close(c->s);
	c->s = NULL;
	ej_diag_flush(&c->d);
	exit(EJ_EXIT_FOUND);
}

/* The slips file, made before anything is written: never overwritten. */
static FILE *
slips_open(struct ej_cli *c, const char *path)
{
	FILE *f;

	if (!path)
		return stdout;
	/* With the user's rights, never over a file or through a link. */
	if ((f = ej_user_create(AT_FDCWD, path, NULL,
	    _("slips are never written over an existing file"), &c->d)) == NULL) {
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	return f;
}

static void
slips_abandon(FILE *f, const char *path)
{
	if (path && f) {
		fclose(f);
		unlink(path);
	}
}

/*
 * The slips, written whole and synced before the commit: a password is
 * set only when its slip is on paper's way. A pipe, a terminal or
 * /dev/null cannot be synced and need not be.
 */
static int
slips_write(struct ej_cli *c, const struct ej_account_batch *b, FILE *f,
    const struct opts *o)
{
	const char *name = o->slips ? o->slips : "stdout";
	int e = 0;

	if (ej_account_slips(b, f, o->html, &c->d) < 0)
		e = -1;
	else if (fflush(f) != 0 || (fsync(fileno(f)) < 0 &&
	    errno != EINVAL && errno != EROFS && errno != ENOTSUP))
		e = errno;
	if (e == 0)
		return 0;
	if (e > 0)
		ej_error(&c->d, EJ_EXIT_IOERR, name, 0, 0, "%s", strerror(e));
	return ej_error(&c->d, EJ_EXIT_IOERR, name, 0, 0, "%s",
	    _("the slips cannot be written: no password was changed"));
}

static long long
class_arg(struct ej_cli *c, const char *name)
{
	long long id;

	if (!name)
		return 0;
	if ((id = ej_roster_find_class(c->s, name)) == 0) {
		ej_error(&c->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no class \"%s\""), name);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	return id;
}

static void
fail(struct ej_cli *c, struct ej_account_batch *b, FILE *f, const char *path)
{
	ej_store_rollback(c->s);
	ej_account_batch_free(b);
	slips_abandon(f, path);
	ej_diag_flush(&c->d);
	ej_note(&c->d, _("nothing was written"));
	ej_cli_exit(c);
}

/* issue and reset: select, hash on threads, write, slips, commit. */
static void
issue(struct ej_cli *c, int reset, const char *file, char **logins,
    struct opts *o)
{
	struct ej_account_batch b = {0};
	struct ej_account_cost cost;
	struct ej_csv_opts in = {0};
	const struct ej_csv_col *cols;
	const char *who;
	size_t ncols;
	char *summary;
	FILE *f = NULL;
	int rc;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_who_require(c->s, EJ_ROLE_CLASSTEACHER, reset ?
	    _("reset logins") : _("issue logins"), &c->d) < 0)
		ej_cli_exit(c);
	o->sel.class_id = class_arg(c, o->class_name);
	o->sel.reset = reset;
	o->sel.logins = logins;
	cols = ej_account_columns(&ncols);
	if (file && ej_csv_open(&o->sel.file, file, cols, ncols, &in,
	    &c->d) < 0) {
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	if (!c->dry_run)
		f = slips_open(c, o->slips);
	rc = ej_account_select(c->s, &o->sel, &b, &c->d);
	ej_csv_reader_free(o->sel.file);
	o->sel.file = NULL;
	if (rc < 0 || ej_account_cost(c->s, &cost, &c->d) < 0)
		fail(c, &b, f, o->slips);
	if (!c->dry_run && ej_account_hash(&b, &cost, o->threads,
	    isatty(STDERR_FILENO) ? stderr : NULL, &c->d) < 0)
		fail(c, &b, f, o->slips);
	if (ej_store_begin(c->s, &c->d) < 0 ||
	    ej_account_store(c->s, &b, !c->dry_run, reset, o->reason,
	    &c->d) < 0)
		fail(c, &b, f, o->slips);
	who = ej_store_actor(c->s)->login;
	if (b.pupils + b.parents == 1) {
		size_t i;

		for (i = 0; b.t[i].skip; i++)
			;
		summary = ej_xasprintf("login %s for %s by %s", reset ?
		    "reset" : "issued", b.t[i].login, who);
	} else
		summary = ej_xasprintf("logins %s for %s by %s: %lu pupils, "
		    "%lu parents", reset ? "reset" : "issued", o->class_name ?
		    o->class_name : o->sel.parallel ? "a parallel" : file ?
		    file : "the school", who, b.pupils, b.parents);
	/* The slips first: if they cannot be written, the transaction is
	 * rolled back and no password changes. */
	if (!c->dry_run)
		ej_setting(c->s, "accounts.diary_url", b.diary_url,
		    sizeof b.diary_url, &c->d);
	if (!c->dry_run && slips_write(c, &b, f, o) < 0) {
		free(summary);
		fail(c, &b, f, o->slips);
	}
	rc = ej_cli_commit(c, summary, o->reason);
	free(summary);
	if (rc < 0) {
		/* Rolled back: the passwords on the slips were never set. */
		if (!c->dry_run && b.pupils + b.parents > 0)
			ej_note(&c->d, _("%s: the slips are void: no password "
			    "was changed"), o->slips ? o->slips : "stdout");
		ej_account_batch_free(&b);
		slips_abandon(f, o->slips);
		ej_cli_exit(c);
	}
	if (!c->dry_run && o->slips) {
		/* Written and synced already: the close cannot lose them. */
		if (fclose(f) != 0)
			ej_warn(&c->d, o->slips, 0, 0, "%s", strerror(errno));
		if (b.pupils + b.parents == 0)
			unlink(o->slips);
		else
			ej_note(&c->d, _("%s: %lu slips"), o->slips,
			    b.pupils + b.parents);
	}
	if (b.already)
		ej_note(&c->d, _("%lu already had a login"), b.already);
	if (b.skipped) {
		ej_note(&c->d, _("%lu skipped: their documents are not on "
		    "record (listed above)"), b.skipped);
		ej_account_batch_free(&b);
		found(c);
	}
	ej_account_batch_free(&b);
	ej_cli_exit(c);
}

static void
revoke_cmd(struct ej_cli *c, char **logins, const char *reason)
{
	unsigned long n;
	char *summary;

	ej_cli_setup(c, EJ_SETUP_WRITE);
	if (ej_who_require(c->s, EJ_ROLE_CLASSTEACHER, _("revoke logins"),
	    &c->d) < 0 || ej_store_begin(c->s, &c->d) < 0)
		ej_cli_exit(c);
	if (ej_account_revoke(c->s, logins, reason, &n, &c->d) < 0) {
		ej_store_rollback(c->s);
		ej_diag_flush(&c->d);
		ej_note(&c->d, _("nothing was written"));
		ej_cli_exit(c);
	}
	summary = n == 1 ? ej_xasprintf("login revoked for %s by %s",
	    logins[0], ej_store_actor(c->s)->login) :
	    ej_xasprintf("logins revoked by %s: %lu", ej_store_actor(c->s)->login,
	    n);
	ej_cli_commit(c, summary, reason);
	free(summary);
	ej_cli_exit(c);
}

/* The password on stdin, its first line; never in argv. */
static void
verify(struct ej_cli *c, const char *login)
{
	char buf[EJ_ACCOUNT_PASSWORD_MAX * 4 + 2];
	size_t n;
	int rc;

	ej_cli_setup(c, EJ_SETUP_READ);
	if (ej_who_require(c->s, EJ_ROLE_TECHNICIAN, _("verify passwords"),
	    &c->d) < 0)
		ej_cli_exit(c);
	n = fread(buf, 1, sizeof buf - 1, stdin);
	buf[n] = '\0';
	n = strcspn(buf, "\r\n");
	rc = ej_account_verify(c->s, login, buf, n, &c->d);
	sodium_memzero(buf, sizeof buf);
	if (rc == 0) {
		ej_note(&c->d, "%s", _("no match"));
		found(c);
	}
	ej_cli_exit(c);
}

static void
report(struct ej_cli *c, int export, struct opts *o)
{
	struct ej_csv_writer *w;
	long long cid;
	int rc;

	ej_cli_setup(c, EJ_SETUP_READ);
	if (export) {
		if (ej_who_require(c->s, 0, _("export password hashes"),
		    &c->d) < 0)
			ej_cli_exit(c);
	} else {
		cid = class_arg(c, o->class_name);
		if (ej_consent_may_class(c->s, cid, EJ_ROLE_DEPUTY |
		    EJ_ROLE_TECHNICIAN, &c->d) < 0)
			ej_cli_exit(c);
	}
	if (ej_csv_writer_new(&w, stdout, NULL) < 0)
		ej_cli_exit(c);
	rc = export ? ej_account_export(c->s, w, &c->d) :
	    ej_account_list(c->s, cid, w, &c->d);
	if (rc == 0)
		ej_csv_writer_finish(w, "stdout", &c->d);
	ej_csv_writer_free(w);
	ej_cli_exit(c);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		EJ_COMMON_LONGOPTS,
		{"class", required_argument, NULL, OPT_CLASS},
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"pupil", required_argument, NULL, OPT_PUPIL},
		{"parent", required_argument, NULL, OPT_PARENT},
		{"pupils", no_argument, NULL, OPT_PUPILS},
		{"parents", no_argument, NULL, OPT_PARENTS},
		{"slips", required_argument, NULL, OPT_SLIPS},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"reason", required_argument, NULL, OPT_REASON},
		{"lost", no_argument, NULL, OPT_LOST},
		{NULL, 0, NULL, 0}
	};
	struct ej_cli c;
	struct opts o;
	const char *cmd;
	int ch, nsel;

	ej_cli_init(&c, "ej-issue-login", usage, argc, argv);
	memset(&o, 0, sizeof o);
	while ((ch = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (ej_cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_CLASS:
			o.class_name = optarg;
			break;
		case OPT_PARALLEL:
			o.sel.parallel = ej_cli_number(&c, "--parallel",
			    optarg, 1, 11);
			break;
		case OPT_PUPIL:
			o.sel.pupil = optarg;
			break;
		case OPT_PARENT:
			o.sel.parent = optarg;
			break;
		case OPT_PUPILS:
			o.sel.pupils = 1;
			break;
		case OPT_PARENTS:
			o.sel.parents = 1;
			break;
		case OPT_SLIPS:
			o.slips = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "html") == 0)
				o.html = 1;
			else if (strcmp(optarg, "csv") != 0)
				ej_cli_usage(&c);
			break;
		case OPT_THREADS:
			o.threads = ej_cli_number(&c, "--threads", optarg, 1,
			    1024);
			break;
		case OPT_REASON:
			if (ej_text_arg(&c.d, "--reason", optarg) < 0)
				ej_cli_exit(&c);
			o.reason = optarg;
			break;
		case OPT_LOST:
			o.sel.lost = 1;
			break;
		default:
			ej_cli_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ej_cli_usage(&c);
	cmd = argv[0];
	nsel = !!o.class_name + !!o.sel.parallel + !!o.sel.pupil +
	    !!o.sel.parent;
	if (strcmp(cmd, "issue") == 0 && nsel + (argc == 2) <= 1 &&
	    argc <= 2 && !o.sel.lost && !o.reason)
		issue(&c, 0, argc == 2 ? argv[1] : NULL, NULL, &o);
	if (strcmp(cmd, "reset") == 0 && !o.sel.parallel && !o.sel.pupil &&
	    !o.sel.parent && !!o.class_name + o.sel.lost + (argc > 1) == 1)
		issue(&c, 1, NULL, argc > 1 ? argv + 1 : NULL, &o);
	if (strcmp(cmd, "revoke") == 0 && argc > 1 && o.reason && !nsel)
		revoke_cmd(&c, argv + 1, o.reason);
	if (strcmp(cmd, "verify") == 0 && argc == 2 && !nsel)
		verify(&c, argv[1]);
	if (strcmp(cmd, "export") == 0 && argc == 1 && !nsel)
		report(&c, 1, &o);
	if (strcmp(cmd, "list") == 0 && argc == 1 && nsel == !!o.class_name)
		report(&c, 0, &o);
	ej_cli_usage(&c);
}
