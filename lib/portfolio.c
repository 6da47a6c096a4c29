/*
 * portfolio — e-portfolios of pupils and staff (portfolio.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvio.h"
#include "date.h"
#include "history.h"
#include "i18n.h"
#include "pathname.h"
#include "portfolio.h"
#include "priv.h"
#include "roster.h"
#include "text.h"
#include "who.h"

/* The defaults of school.yaml's portfolio section (ej-school.yaml(5)). */
static const char dflt_pupil_kinds[] = "грамота,диплом,сертификат,"
    "благодарность,проект,исследовательская работа,другое";
static const char dflt_staff_kinds[] = "образование,квалификационная "
    "категория,курсы повышения квалификации,награда,публикация,другое";
static const char dflt_levels[] = "школьный,муниципальный,региональный,"
    "федеральный,международный";
static const char dflt_types[] = "pdf,jpeg,png,odt,docx";

/* The media types a school may accept, by their names in school.yaml. */
static const struct {
	const char *name, *mime;
} types[] = {
	{ "pdf", "application/pdf" },
	{ "jpeg", "image/jpeg" },
	{ "png", "image/png" },
	{ "gif", "image/gif" },
	{ "tiff", "image/tiff" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
};
#define NTYPES (sizeof types / sizeof types[0])

/* ------------------------------------------------------------ settings */

struct pf_settings {
	char pupil_kinds[EJ_PF_LIST_MAX], staff_kinds[EJ_PF_LIST_MAX];
	char levels[EJ_PF_LIST_MAX], types[EJ_PF_LIST_MAX];
	long long max_file, max_person;      /* bytes */
};

const char *
ej_portfolio_type(const char *s)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (strcasecmp(s, types[i].name) == 0 ||
		    strcasecmp(s, types[i].mime) == 0)
			return types[i].name;
	return NULL;
}

char *
ej_portfolio_types_known(void)
{
	char *out = ej_xstrdup(""), *t;
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		t = ej_xasprintf("%s%s%s (%s)", out, i ? ", " : "",
		    types[i].name, types[i].mime);
		free(out);
		out = t;
	}
	return out;
}

static void
settings(struct ej_store *s, struct pf_settings *ps, struct ej_diag *d)
{
	ej_setting(s, "portfolio.kinds.pupil", ps->pupil_kinds,
	    sizeof ps->pupil_kinds, d);
	if (!*ps->pupil_kinds)
		snprintf(ps->pupil_kinds, sizeof ps->pupil_kinds, "%s",
		    dflt_pupil_kinds);
	ej_setting(s, "portfolio.kinds.staff", ps->staff_kinds,
	    sizeof ps->staff_kinds, d);
	if (!*ps->staff_kinds)
		snprintf(ps->staff_kinds, sizeof ps->staff_kinds, "%s",
		    dflt_staff_kinds);
	ej_setting(s, "portfolio.levels", ps->levels, sizeof ps->levels, d);
	if (!*ps->levels)
		snprintf(ps->levels, sizeof ps->levels, "%s", dflt_levels);
	ej_setting(s, "portfolio.types", ps->types, sizeof ps->types, d);
	if (!*ps->types)
		snprintf(ps->types, sizeof ps->types, "%s", dflt_types);
	ps->max_file = 1024LL * ej_setting_range(s, "portfolio.max_file_kb",
	    EJ_PF_DFLT_FILE_KB, 1, EJ_PF_MAX_FILE_KB, d);
	ps->max_person = 1024LL * ej_setting_range(s,
	    "portfolio.max_person_kb", EJ_PF_DFLT_PERSON_KB, 1,
	    EJ_PF_MAX_PERSON_KB, d);
}

/* Whether word is one of list's comma-separated words, case and ё folded. */
static int
in_list(const char *list, const char *word)
{
	char *w = ej_text_fold(word), *l = ej_xstrdup(list), *p, *save = NULL;
	int found = 0;

	for (p = strtok_r(l, ",", &save); p && !found;
	    p = strtok_r(NULL, ",", &save)) {
		char *f = ej_text_fold(p);

		found = strcmp(f, w) == 0;
		free(f);
	}
	free(w);
	free(l);
	return found;
}

/* ------------------------------------------------------------- people */

struct person {
	long long pupil, staff;  /* one of them */
	char name[256];
	char cls[64];            /* a pupil's class now */
	long long class_id;
};

static int
today(struct ej_store *s, char day[EJ_DATE_LEN], struct ej_diag *d)
{
	int date = ej_roster_day(s, 0, d);

	if (date < 0)
		return -1;
	ej_date_format(date, day);
	return 0;
}

/* The person a reference names: a staff login, else a pupil. 1 found,
 * 0 not (an error at file:line), -1 error. */
static int
find_person(struct ej_store *s, const char *ref, const char *file, long line,
    struct person *p, struct ej_diag *d)
{
	sqlite3_stmt *st;
	char day[EJ_DATE_LEN];
	int date;

	memset(p, 0, sizeof *p);
	if ((st = ej_store_prepare(s, "SELECT id, surname || ' ' || name || "
	    "CASE WHEN patronymic = '' THEN '' ELSE ' ' || patronymic END "
	    "FROM staff WHERE login = ?", d)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->staff = sqlite3_column_int64(st, 0);
		snprintf(p->name, sizeof p->name, "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (p->staff)
		return 1;
	if ((date = ej_roster_day(s, 0, d)) < 0)
		return -1;
	if ((p->pupil = ej_roster_find_pupil(s, ref, date, file, line, d)) < 0)
		return -1;
	if (p->pupil == 0)
		return ej_error(d, EJ_EXIT_DATAERR, file, line, 0,
		    _("no pupil or staff member \"%s\""), ref), 0;
	ej_date_format(date, day);
	if ((st = ej_store_prepare(s, "SELECT p.surname || ' ' || p.name, "
	    "c.id, c.name FROM pupils p LEFT JOIN membership m ON "
	    "m.pupil_id = p.id AND m.start = (SELECT max(start) FROM "
	    "membership WHERE pupil_id = p.id AND start <= ?2) LEFT JOIN "
	    "classes c ON c.id = m.class_id WHERE p.id = ?1", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->pupil);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(p->name, sizeof p->name, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		p->class_id = sqlite3_column_int64(st, 1);
		if (sqlite3_column_text(st, 2))
			snprintf(p->cls, sizeof p->cls, "%s",
			    (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	return 1;
}

/* Whether the class is the actor's as its class teacher. */
static int
class_teacher_of(struct ej_store *s, long long class_id, struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	sqlite3_stmt *st;
	int ok;

	if (!(a->roles & EJ_ROLE_CLASSTEACHER) || class_id <= 0)
		return 0;
	if ((st = ej_store_prepare(s, "SELECT 1 FROM classes WHERE id = ? AND "
	    "teacher_id = ?", d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, a->staff_id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ok;
}

/*
 * Who may: a deputy or admin anyone's, a class teacher their class's
 * pupils', a staff member their own; a pupil's only with the consent to
 * processing personal data on record. 0, or -1 with an error (77).
 */
static int
may(struct ej_store *s, const struct person *p, int write, const char *file,
    long line, struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	sqlite3_stmt *st;
	int ok = (a->roles & (EJ_ROLE_ADMIN | EJ_ROLE_DEPUTY)) != 0, given;

	if (!ok && p->staff)
		ok = p->staff == a->staff_id;
	else if (!ok && (ok = class_teacher_of(s, p->class_id, d)) < 0)
		return -1;
	if (!ok)
		return ej_error(d, EJ_EXIT_NOPERM, file, line, 0,
		    p->staff ? (write ? _("%s may not add to or remove from "
		    "the portfolio of %s: only they, a deputy or an admin") :
		    _("%s may not read the portfolio of %s: only they, a "
		    "deputy or an admin")) : (write ? _("%s may not add to or "
		    "remove from the portfolio of %s: only the class teacher, "
		    "a deputy or an admin") : _("%s may not read the "
		    "portfolio of %s: only the class teacher, a deputy or an "
		    "admin")), a->login[0] ? a->login : "?", p->name);
	if (!p->pupil)
		return 0;
	if ((st = ej_store_prepare(s, "SELECT 1 FROM consents WHERE "
	    "pupil_id = ? AND kind = 'personal-data' AND status = 'given'",
	    d)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->pupil);
	given = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (!given)
		return ej_error(d, EJ_EXIT_NOPERM, file, line, 0,
		    _("%s: no consent to processing personal data on record "
		    "(ej-consent record --kind personal-data)"), p->name);
	return 0;
}

/* --------------------------------------------------------- the file */

/* Text that enters the store: UTF-8 without control characters. */
static int
clean_text(const char *s)
{
	const unsigned char *p;

	if (!ej_utf8_valid(s, strlen(s)))
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Whether the tail of a file of its type is there: a truncated PDF has
 * no %%EOF, a PNG no IEND, a JPEG no EOI, a ZIP (ODT, DOCX) no end of
 * its central directory. NULL when whole, else why not. */
static const char *
truncated(const char *mime, const unsigned char *b, size_t n)
{
	static const unsigned char iend[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D',
	    0xae, 0x42, 0x60, 0x82};
	size_t i, from;

	if (strcmp(mime, "application/pdf") == 0) {
		from = n > 1024 ? n - 1024 : 0;
		for (i = from; i + 5 <= n; i++)
			if (memcmp(b + i, "%%EOF", 5) == 0)
				return NULL;
		return _("truncated: a PDF without its %%EOF");
	}
	if (strcmp(mime, "image/png") == 0)
		return n >= sizeof iend && memcmp(b + n - sizeof iend, iend,
		    sizeof iend) == 0 ? NULL :
		    _("truncated: a PNG without its IEND");
	if (strcmp(mime, "image/jpeg") == 0) {
		from = n > 64 ? n - 64 : 0;
		for (i = from; i + 2 <= n; i++)
			if (b[i] == 0xff && b[i + 1] == 0xd9)
				return NULL;
		return _("truncated: a JPEG without its end marker");
	}
	if (strstr(mime, "opendocument") || strstr(mime, "openxml")) {
		from = n > 65557 ? n - 65557 : 0;
		for (i = n >= 22 ? n - 22 + 1 : 0; i-- > from; )
			if (memcmp(b + i, "PK\5\6", 4) == 0)
				return NULL;
		return _("truncated: a ZIP without its central directory");
	}
	return NULL;
}

/* A document's file read and judged. */
struct pf_file {
	unsigned char *buf;
	size_t len;
	const char *mime;        /* one of types[] */
	git_oid id;
};

/* An error about a document's file: "FILE:LINE: PATH: why" (a manifest's
 * row) or "PATH: why". */
static int
bad_file(struct ej_diag *d, const char *file, long line, const char *path,
    const char *why)
{
	return ej_error(d, EJ_EXIT_DATAERR, file, line, 0, "%s: %s", path,
	    why);
}

/* Read path (the user's own rights) and check it against the settings:
 * 0, or -1 with an error naming it and why. */
static int
read_file(const char *path, const struct pf_settings *ps, magic_t mg,
    struct pf_file *pf, const char *file, long line, struct ej_diag *d)
{
	const char *found, *why, *ext = strrchr(path, '.');
	struct stat sb;
	ssize_t r;
	size_t i, cap;
	int fd;

	memset(pf, 0, sizeof *pf);
	if ((fd = ej_user_open(path, O_RDONLY | O_NOCTTY, 0)) < 0) {
		int e = errno;

		return ej_error(d, e == EACCES ? EJ_EXIT_NOPERM :
		    EJ_EXIT_NOINPUT, file, line, 0, "%s: %s", path,
		    strerror(e));
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return bad_file(d, file, line, path, _("not a file"));
	}
	if (sb.st_size > ps->max_file) {
		char *msg = ej_xasprintf(_("too large: %lld bytes, the limit "
		    "is %lld"), (long long)sb.st_size, ps->max_file);

		close(fd);
		bad_file(d, file, line, path, msg);
		free(msg);
		return -1;
	}
	cap = (size_t)sb.st_size + 1;
	pf->buf = ej_xmalloc(cap);
	while (pf->len < cap && (r = read(fd, pf->buf + pf->len,
	    cap - pf->len)) > 0)
		pf->len += (size_t)r;
	close(fd);
	why = NULL;
	if (pf->len == 0)
		why = _("empty");
	else if ((long long)pf->len > ps->max_file)
		why = _("too large");
	else if ((found = magic_buffer(mg, pf->buf, pf->len)) == NULL)
		why = magic_error(mg);
	else {
		for (i = 0; i < NTYPES; i++)
			if (strcmp(types[i].mime, found) == 0 &&
			    in_list(ps->types, types[i].name))
				pf->mime = types[i].mime;
		if (!pf->mime) {
			char *msg = ext ? ej_xasprintf(_("not an accepted type: "
			    "%s (named %s); accepted: %s"), found, ext,
			    ps->types) : ej_xasprintf(_("not an accepted type: "
			    "%s; accepted: %s"), found, ps->types);

			bad_file(d, file, line, path, msg);
			free(msg);
			free(pf->buf);
			pf->buf = NULL;
			return -1;
		}
		why = truncated(pf->mime, pf->buf, pf->len);
	}
	if (why) {
		bad_file(d, file, line, path, why);
		free(pf->buf);
		pf->buf = NULL;
		return -1;
	}
	git_odb_hash(&pf->id, pf->buf, pf->len, GIT_OBJECT_BLOB);
	return 0;
}

/* The base name of a path. */
static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* ---------------------------------------------------------------- add */

/* Check every document, and add them all when none failed and fails (the
 * errors found before, in a manifest) is 0. */
static int
add_docs(struct ej_store *s, const struct ej_pf_doc *docs, size_t n,
    int fails, struct ej_pf_stats *st, struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	struct pf_settings ps;
	struct pf_file *pf;
	struct person *pp;
	struct ej_yearctx yc = {0};
	long long yid;
	const void **bufs = NULL;
	size_t *lens = NULL;
	git_oid *ids = NULL;
	sqlite3_stmt *ins, *sum;
	magic_t mg;
	char now[21], date[EJ_DATE_LEN], hex[GIT_OID_HEXSZ + 1];
	size_t i, j;
	int rc = -1;

	settings(s, &ps, d);
	if (ej_roster_year(s, &yid, &yc.start, &yc.end, d) < 0)
		return -1;
	{
		int y, m, dd;

		ej_date_to_ymd(yc.start, &y, &m, &dd);
		yc.first_year = y;
	}
	if ((mg = magic_open(MAGIC_MIME_TYPE)) == NULL ||
	    magic_load(mg, NULL) != 0) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "libmagic: %s",
		    mg ? magic_error(mg) : strerror(errno));
		if (mg)
			magic_close(mg);
		return -1;
	}
	pf = ej_xcalloc(n ? n : 1, sizeof *pf);
	pp = ej_xcalloc(n ? n : 1, sizeof *pp);
	/* First every check, every error reported; nothing written. */
	for (i = 0; i < n; i++) {
		const struct ej_pf_doc *x = &docs[i];
		int bad = 0, dt, r;
		char *pn;

		if ((r = find_person(s, x->person, x->file, x->line, &pp[i],
		    d)) < 0)
			goto out;
		if (r == 0) {
			fails++;
			continue;
		}
		if (may(s, &pp[i], 1, x->file, x->line, d) < 0) {
			fails++;
			continue;
		}
		if (!x->kind || !in_list(pp[i].pupil ? ps.pupil_kinds :
		    ps.staff_kinds, x->kind))
			bad = ej_error(d, EJ_EXIT_DATAERR, x->file, x->line, 0,
			    _("kind: \"%s\" is not one of %s"), x->kind ?
			    x->kind : "", pp[i].pupil ? ps.pupil_kinds :
			    ps.staff_kinds);
		if (x->level && *x->level && !in_list(ps.levels, x->level))
			bad = ej_error(d, EJ_EXIT_DATAERR, x->file, x->line, 0,
			    _("level: \"%s\" is not one of %s"), x->level,
			    ps.levels);
		if (!x->title || !*x->title || !clean_text(x->title) ||
		    (x->issuer && !clean_text(x->issuer)) ||
		    (x->level && !clean_text(x->level)))
			bad = ej_error(d, EJ_EXIT_DATAERR, x->file, x->line, 0,
			    "%s", _("a title is required, and no text may hold "
			    "control characters"));
		if (!x->date || ej_date_parse(x->date, &yc, &dt) < 0)
			bad = ej_error(d, EJ_EXIT_DATAERR, x->file, x->line, 0,
			    _("date: \"%s\" is not a date"), x->date ? x->date :
			    "");
		pn = clean_text(base_name(x->path)) ?
		    ej_pathname(base_name(x->path)) : NULL;
		if (pn == NULL)
			bad = ej_error(d, EJ_EXIT_DATAERR, x->file, x->line, 0,
			    _("%s: the file's name cannot be kept"), x->path);
		free(pn);
		if (read_file(x->path, &ps, mg, &pf[i], x->file, x->line,
		    d) < 0)
			bad = -1;
		if (bad)
			fails++;
	}
	if (fails)
		goto out;
	/* The limit per person: what they have and what comes. */
	if ((sum = ej_store_prepare(s, "SELECT ifnull(sum(size), 0) FROM "
	    "portfolio WHERE pupil_id IS ?1 AND staff_id IS ?2", d)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		long long total = 0;

		for (j = 0; j < n; j++)
			if (pp[j].pupil == pp[i].pupil &&
			    pp[j].staff == pp[i].staff) {
				if (j < i)
					break;
				total += (long long)pf[j].len;
			}
		if (j < i)
			continue;        /* counted at its first document */
		if (pp[i].pupil)
			sqlite3_bind_int64(sum, 1, pp[i].pupil);
		else
			sqlite3_bind_null(sum, 1);
		if (pp[i].staff)
			sqlite3_bind_int64(sum, 2, pp[i].staff);
		else
			sqlite3_bind_null(sum, 2);
		if (sqlite3_step(sum) == SQLITE_ROW)
			total += sqlite3_column_int64(sum, 0);
		sqlite3_reset(sum);
		if (total > ps.max_person) {
			ej_error(d, EJ_EXIT_DATAERR, docs[i].file,
			    docs[i].line, 0, _("%s: the portfolio would hold "
			    "%lld bytes, the limit is %lld"), pp[i].name, total,
			    ps.max_person);
			fails++;
		}
	}
	if (fails)
		goto out;
	/* Then the files into the history's objects (once each: a blob is
	 * its content's id) and the records into the database. */
	if ((ins = ej_store_prepare(s, "INSERT INTO portfolio(pupil_id, "
	    "staff_id, kind, title, date, issuer, level, file, type, size, "
	    "blob, by_id, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    d)) == NULL)
		goto out;
	ej_timestamp_now(now);
	bufs = ej_xcalloc(n ? n : 1, sizeof *bufs);
	lens = ej_xcalloc(n ? n : 1, sizeof *lens);
	ids = ej_xcalloc(n ? n : 1, sizeof *ids);
	for (i = 0; i < n; i++) {
		bufs[i] = pf[i].buf;
		lens[i] = pf[i].len;
	}
	if (ej_history_write_blobs(s, bufs, lens, n, ids, d) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const struct ej_pf_doc *x = &docs[i];
		const char *kinds = pp[i].pupil ? ps.pupil_kinds :
		    ps.staff_kinds;
		char *kind = NULL, *l, *p, *save = NULL, *fk = ej_text_fold(
		    x->kind);
		int dt;

		/* The kind as the settings spell it. */
		l = ej_xstrdup(kinds);
		for (p = strtok_r(l, ",", &save); p && !kind;
		    p = strtok_r(NULL, ",", &save)) {
			char *f = ej_text_fold(p);

			if (strcmp(f, fk) == 0)
				kind = ej_xstrdup(p);
			free(f);
		}
		free(l);
		free(fk);
		git_oid_tostr(hex, sizeof hex, &ids[i]);
		ej_date_parse(x->date, &yc, &dt);
		ej_date_format(dt, date);
		if (pp[i].pupil)
			sqlite3_bind_int64(ins, 1, pp[i].pupil);
		else
			sqlite3_bind_null(ins, 1);
		if (pp[i].staff)
			sqlite3_bind_int64(ins, 2, pp[i].staff);
		else
			sqlite3_bind_null(ins, 2);
		sqlite3_bind_text(ins, 3, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, x->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, date, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, x->issuer ? x->issuer : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, x->level ? x->level : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, base_name(x->path), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(ins, 9, pf[i].mime, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 10, (long long)pf[i].len);
		sqlite3_bind_text(ins, 11, hex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 12, a->staff_id);
		sqlite3_bind_text(ins, 13, now, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			sqlite3_reset(ins);
			free(kind);
			ej_store_sqlerr(s, d, _("cannot add the document"));
			goto out;
		}
		sqlite3_reset(ins);
		if (!st->first)
			st->first = ej_xasprintf("%s: %s", kind, pp[i].name);
		free(kind);
		st->added++;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(pf[i].buf);
	free(bufs);
	free(lens);
	free(ids);
	free(pf);
	free(pp);
	magic_close(mg);
	return rc;
}

int
ej_portfolio_add(struct ej_store *s, const struct ej_pf_doc *docs, size_t n,
    struct ej_pf_stats *st, struct ej_diag *d)
{
	return add_docs(s, docs, n, 0, st, d);
}

/* ------------------------------------------------------------- import */

enum { M_PERSON, M_KIND, M_TITLE, M_DATE, M_ISSUER, M_LEVEL, M_FILE };

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})
static const struct ej_csv_col manifest_cols[] = {
	{ "person", A("кто", "фио", "ученик", "сотрудник", "pupil", "staff"),
	    1 },
	{ "kind", A("вид", "тип документа"), 1 },
	{ "title", A("название", "наименование"), 1 },
	{ "date", A("дата"), 1 },
	{ "issuer", A("кем выдан", "организатор", "выдан"), 0 },
	{ "level", A("уровень"), 0 },
	{ "file", A("файл"), 1 },
};
#undef A

int
ej_portfolio_import(struct ej_store *s, const char *manifest,
    struct ej_pf_stats *st, struct ej_diag *d)
{
	struct ej_csv_opts o = {0};
	struct ej_csv_reader *r;
	struct ej_csv_record *rec;
	struct ej_pf_doc *docs = NULL;
	char **keep = NULL;      /* the strings docs point to */
	size_t n = 0, nk = 0, i, dirlen;
	const char *slash = strrchr(manifest, '/');
	int rc, fails = 0;

	dirlen = slash ? (size_t)(slash - manifest) + 1 : 0;
	if (ej_csv_open(&r, manifest, manifest_cols,
	    sizeof manifest_cols / sizeof manifest_cols[0], &o, d) < 0)
		return -1;
	while ((rc = ej_csv_next(r, &rec, d)) == 1) {
		const char *v[7], *f;
		struct ej_pf_doc *x;
		size_t k;

		for (k = 0; k < 7; k++)
			v[k] = ej_csv_get(rec, k);
		f = v[M_FILE];
		if (!v[M_PERSON] || !f) {
			ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
			    "%s", _("person and file are required"));
			fails++;
			continue;
		}
		/* The files beside the manifest, nowhere else. */
		if (strchr(f, '/') || strcmp(f, ".") == 0 ||
		    strcmp(f, "..") == 0) {
			ej_error(d, EJ_EXIT_DATAERR, rec->file, rec->line, 0,
			    _("file: \"%s\" must be a name beside the "
			    "manifest"), f);
			fails++;
			continue;
		}
		docs = ej_xrealloc(docs, (n + 1) * sizeof *docs);
		keep = ej_xrealloc(keep, (nk + 9) * sizeof *keep);
		x = &docs[n++];
		memset(x, 0, sizeof *x);
		x->person = keep[nk++] = ej_xstrdup(v[M_PERSON]);
		x->kind = keep[nk++] = ej_xstrdup(v[M_KIND] ? v[M_KIND] : "");
		x->title = keep[nk++] = ej_xstrdup(v[M_TITLE] ? v[M_TITLE] :
		    "");
		x->date = keep[nk++] = ej_xstrdup(v[M_DATE] ? v[M_DATE] : "");
		x->issuer = keep[nk++] = ej_xstrdup(v[M_ISSUER] ?
		    v[M_ISSUER] : "");
		x->level = keep[nk++] = ej_xstrdup(v[M_LEVEL] ? v[M_LEVEL] :
		    "");
		x->path = keep[nk++] = ej_xasprintf("%.*s%s", (int)dirlen,
		    manifest, f);
		x->file = keep[nk++] = ej_xstrdup(rec->file);
		x->line = rec->line;
	}
	if (rc < 0 || ej_csv_bad(r))
		fails++;
	ej_csv_reader_free(r);
	/* The good rows are checked too, so that every error is listed. */
	rc = add_docs(s, docs, n, fails, st, d);
	for (i = 0; i < nk; i++)
		free(keep[i]);
	free(keep);
	free(docs);
	return rc;
}

/* ----------------------------------------------------------------- rm */

int
ej_portfolio_rm(struct ej_store *s, long long id, struct ej_pf_stats *st,
    struct ej_diag *d)
{
	sqlite3_stmt *q;
	struct person p;
	char ref[64], *kind = NULL;
	int r;

	if ((q = ej_store_prepare(s, "SELECT coalesce(d.pupil_id, ''), "
	    "s.login, d.kind FROM portfolio d LEFT JOIN staff s ON "
	    "s.id = d.staff_id WHERE d.id = ?", d)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_reset(q);
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no document %lld"), id);
	}
	snprintf(ref, sizeof ref, "%s", sqlite3_column_text(q, 1) ?
	    (const char *)sqlite3_column_text(q, 1) :
	    (const char *)sqlite3_column_text(q, 0));
	kind = ej_xstrdup((const char *)sqlite3_column_text(q, 2));
	sqlite3_reset(q);
	if ((r = find_person(s, ref, NULL, 0, &p, d)) <= 0 ||
	    may(s, &p, 1, NULL, 0, d) < 0) {
		free(kind);
		return -1;
	}
	if ((q = ej_store_prepare(s, "DELETE FROM portfolio WHERE id = ?",
	    d)) == NULL) {
		free(kind);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE) {
		free(kind);
		return ej_store_sqlerr(s, d, _("cannot remove the document"));
	}
	st->removed++;
	if (!st->first)
		st->first = ej_xasprintf("%s: %s", kind, p.name);
	free(kind);
	return 0;
}

char *
ej_portfolio_summary(const struct ej_pf_stats *st)
{
	if (st->removed)
		return ej_xasprintf(_("portfolio: -%ld document (%s)"),
		    st->removed, st->first ? st->first : "");
	if (st->added == 1)
		return ej_xasprintf(_("portfolio: +1 document (%s)"),
		    st->first ? st->first : "");
	return ej_xasprintf(_("portfolio: +%ld documents"), st->added);
}

void
ej_pf_stats_free(struct ej_pf_stats *st)
{
	free(st->first);
	memset(st, 0, sizeof *st);
}

/* --------------------------------------------------------------- read */

/*
 * Every document as one row: its person's name and class or position, and
 * whether the actor may read it (?1 me, ?2 reads all, ?3 class teacher),
 * ?4 today; arrived: when the person arrived (a pupil's latest move into a
 * class, a staff member's hiring).
 */
#define PEOPLE \
	"WITH people(pupil_id, staff_id, name, class_id, unit, arrived, " \
	"readable) AS (SELECT p.id, NULL, p.surname || ' ' || p.name, c.id, " \
	"c.name, (SELECT max(start) FROM membership WHERE pupil_id = p.id " \
	"AND class_id IS NOT NULL), ?2 OR (?3 AND c.teacher_id = ?1) " \
	"FROM pupils p LEFT JOIN membership m ON m.pupil_id = p.id AND " \
	"m.start = (SELECT max(start) FROM membership WHERE pupil_id = p.id " \
	"AND start <= ?4) LEFT JOIN classes c ON c.id = m.class_id " \
	"UNION ALL SELECT NULL, s.id, s.surname || ' ' || s.name || CASE " \
	"WHEN s.patronymic = '' THEN '' ELSE ' ' || s.patronymic END, NULL, " \
	"s.position, h.hired, ?2 OR s.id = ?1 FROM staff s LEFT JOIN " \
	"staff_hired h ON h.staff_id = s.id) "

static int
bind_actor(struct ej_store *s, sqlite3_stmt *st, struct ej_diag *d)
{
	const struct ej_actor *a = ej_store_actor(s);
	char day[EJ_DATE_LEN];

	if (today(s, day, d) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, a->staff_id);
	sqlite3_bind_int(st, 2, (a->roles & (EJ_ROLE_ADMIN |
	    EJ_ROLE_DEPUTY)) != 0);
	sqlite3_bind_int(st, 3, (a->roles & EJ_ROLE_CLASSTEACHER) != 0);
	sqlite3_bind_text(st, 4, day, -1, SQLITE_TRANSIENT);
	return 0;
}

static int
since_arg(struct ej_store *s, const char *since, char out[EJ_DATE_LEN],
    struct ej_diag *d)
{
	struct ej_yearctx yc = {0};
	long long yid;
	int y, m, dd, dt;

	out[0] = '\0';
	if (!since)
		return 0;
	if (ej_roster_year(s, &yid, &yc.start, &yc.end, d) < 0)
		return -1;
	ej_date_to_ymd(yc.start, &y, &m, &dd);
	yc.first_year = y;
	if (ej_date_parse(since, &yc, &dt) < 0)
		return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("--new-since: \"%s\" is not a date"), since);
	ej_date_format(dt, out);
	return 0;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? v : "";
}

int
ej_portfolio_list(struct ej_store *s, const char *class_name, int staff,
    const char *person, const char *since, enum ej_format fmt, FILE *out,
    struct ej_diag *d)
{
	struct ej_table *t;
	struct person p = {0};
	sqlite3_stmt *st;
	char from[EJ_DATE_LEN];
	long long cid = 0;
	int rc;

	if (since_arg(s, since, from, d) < 0)
		return -1;
	if (class_name && (cid = ej_roster_find_class(s, class_name)) == 0)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no class \"%s\""), class_name);
	if (person && (find_person(s, person, NULL, 0, &p, d) <= 0 ||
	    may(s, &p, 0, NULL, 0, d) < 0))
		return -1;
	if ((st = ej_store_prepare(s, PEOPLE "SELECT d.id, x.name, x.unit, "
	    "d.kind, d.title, d.date, d.issuer, d.level, d.file, d.type, "
	    "d.size FROM portfolio d JOIN people x ON x.pupil_id IS "
	    "d.pupil_id AND x.staff_id IS d.staff_id WHERE x.readable AND "
	    "(?5 = 0 OR x.class_id = ?5) AND (?6 = 0 OR x.staff_id IS NOT "
	    "NULL) AND (?7 IS NULL OR x.pupil_id IS ?7) AND (?8 IS NULL OR "
	    "x.staff_id IS ?8) AND (?9 IS NULL OR x.arrived > ?9) "
	    "ORDER BY x.staff_id IS NOT NULL, x.unit, x.name, d.date, d.id",
	    d)) == NULL)
		return -1;
	if (bind_actor(s, st, d) < 0)
		return -1;
	sqlite3_bind_int64(st, 5, cid);
	sqlite3_bind_int(st, 6, staff);
	if (p.pupil)
		sqlite3_bind_int64(st, 7, p.pupil);
	else
		sqlite3_bind_null(st, 7);
	if (p.staff)
		sqlite3_bind_int64(st, 8, p.staff);
	else
		sqlite3_bind_null(st, 8);
	if (*from)
		sqlite3_bind_text(st, 9, from, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 9);
	t = ej_table_new(_("Portfolios"));
	ej_table_col(t, "id", _("No."), EJ_COL_NUM);
	ej_table_col(t, "person", _("Person"), 0);
	ej_table_col(t, "class", _("Class or position"), 0);
	ej_table_col(t, "kind", _("Kind"), 0);
	ej_table_col(t, "title", _("Title"), 0);
	ej_table_col(t, "date", _("Date"), EJ_COL_NOWRAP);
	ej_table_col(t, "issuer", _("Issuer"), 0);
	ej_table_col(t, "level", _("Level"), 0);
	ej_table_col(t, "file", _("File"), 0);
	ej_table_col(t, "type", _("Type"), 0);
	ej_table_col(t, "size", _("Size"), EJ_COL_NUM);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i;

		ej_table_row(t);
		for (i = 0; i < 11; i++)
			ej_table_cell(t, col_text(st, i));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ej_table_free(t);
		return ej_store_sqlerr(s, d, _("cannot list the portfolios"));
	}
	rc = ej_table_write(t, fmt, out, d);
	ej_table_free(t);
	return rc;
}

/* The readable documents of a person (or a class): id, name, kind, title,
 * date, issuer, level, file, type, size, blob. */
static sqlite3_stmt *
docs_of(struct ej_store *s, const struct person *p, long long cid,
    struct ej_diag *d)
{
	sqlite3_stmt *st;

	if ((st = ej_store_prepare(s, PEOPLE "SELECT d.id, x.name, d.kind, "
	    "d.title, d.date, d.issuer, d.level, d.file, d.type, d.size, "
	    "d.blob, x.pupil_id FROM portfolio d JOIN people x ON x.pupil_id "
	    "IS d.pupil_id AND x.staff_id IS d.staff_id WHERE x.readable AND "
	    "((?5 > 0 AND x.class_id = ?5) OR (x.pupil_id IS ?6 AND "
	    "x.staff_id IS ?7 AND ?5 = 0)) AND (x.pupil_id IS NULL OR EXISTS "
	    "(SELECT 1 FROM consents WHERE pupil_id = x.pupil_id AND kind = "
	    "'personal-data' AND status = 'given')) "
	    "ORDER BY x.name, d.kind, substr(d.date, 1, 4) DESC, d.date, d.id",
	    d)) == NULL)
		return NULL;
	if (bind_actor(s, st, d) < 0)
		return NULL;
	sqlite3_bind_int64(st, 5, cid);
	if (p && p->pupil)
		sqlite3_bind_int64(st, 6, p->pupil);
	else
		sqlite3_bind_null(st, 6);
	if (p && p->staff)
		sqlite3_bind_int64(st, 7, p->staff);
	else
		sqlite3_bind_null(st, 7);
	return st;
}

/* The bytes of a document's file, from the history. */
static git_blob *
doc_blob(struct ej_store *s, const char *hex, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_blob *b = NULL;
	git_oid id;

	if (!repo)
		return NULL;
	if (git_oid_fromstr(&id, hex) < 0 || git_blob_lookup(&b, repo,
	    &id) < 0) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0,
		    _("%s: a document's file is missing from the history; "
		    "run ej-audit"), hex);
		return NULL;
	}
	return b;
}

static void
base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
		    p[i + 2];

		fputc(a[v >> 18], f);
		fputc(a[v >> 12 & 63], f);
		fputc(a[v >> 6 & 63], f);
		fputc(a[v & 63], f);
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ?
		    (unsigned)p[i + 1] << 8 : 0);

		fputc(a[v >> 18], f);
		fputc(a[v >> 12 & 63], f);
		fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
		fputc('=', f);
	}
}

/* The printable page: documents grouped by kind and year, images shown
 * scaled (embedded: the page stands alone), the others listed. */
static int
show_html(struct ej_store *s, const struct person *p, sqlite3_stmt *st,
    FILE *f, struct ej_diag *d)
{
	char kind[256] = "", year[8] = "";
	int rc, n = 0;

	fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>", f);
	ej_html_escape(f, _("Portfolio"));
	fputs(": ", f);
	ej_html_escape(f, p->name);
	fputs("</title>\n<style>\n"
	    "body { font-family: sans-serif; font-size: 11pt; margin: 1em; }\n"
	    "h1 { font-size: 15pt; } h2 { font-size: 13pt; "
	    "border-bottom: 1px solid #888; } h3 { font-size: 11pt; }\n"
	    "div.doc { margin: 0 0 1em; page-break-inside: avoid; }\n"
	    "div.doc img { max-width: 16cm; max-height: 11cm; "
	    "border: 1px solid #ccc; display: block; margin: 0.3em 0; }\n"
	    "p.meta { margin: 0.1em 0; color: #333; }\n"
	    "@media print { body { margin: 0; font-size: 9pt; } }\n"
	    "@page { size: A4; margin: 12mm; }\n"
	    "</style>\n</head>\n<body>\n<h1>", f);
	ej_html_escape(f, _("Portfolio"));
	fputs(": ", f);
	ej_html_escape(f, p->name);
	if (p->cls[0]) {
		fputs(", ", f);
		ej_html_escape(f, p->cls);
	}
	fputs("</h1>\n", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = col_text(st, 2), *type = col_text(st, 8);

		n++;
		if (strcmp(k, kind) != 0) {
			snprintf(kind, sizeof kind, "%s", k);
			year[0] = '\0';
			fputs("<h2>", f);
			ej_html_escape(f, k);
			fputs("</h2>\n", f);
		}
		if (strncmp(col_text(st, 4), year, 4) != 0) {
			snprintf(year, sizeof year, "%.4s", col_text(st, 4));
			fputs("<h3>", f);
			ej_html_escape(f, year);
			fputs("</h3>\n", f);
		}
		fputs("<div class=\"doc\"><p><b>", f);
		ej_html_escape(f, col_text(st, 3));
		fputs("</b></p>\n<p class=\"meta\">", f);
		ej_html_escape(f, col_text(st, 4));
		if (*col_text(st, 5)) {
			fputs(" · ", f);
			ej_html_escape(f, col_text(st, 5));
		}
		if (*col_text(st, 6)) {
			fputs(" · ", f);
			ej_html_escape(f, col_text(st, 6));
		}
		fputs(" · ", f);
		ej_html_escape(f, col_text(st, 7));
		fprintf(f, " (№ %lld)</p>\n", sqlite3_column_int64(st, 0));
		if (strncmp(type, "image/", 6) == 0) {
			git_blob *b = doc_blob(s, col_text(st, 10), d);

			if (!b) {
				sqlite3_reset(st);
				return -1;
			}
			fprintf(f, "<img alt=\"\" src=\"data:%s;base64,", type);
			base64(f, git_blob_rawcontent(b),
			    (size_t)git_blob_rawsize(b));
			fputs("\">\n", f);
			git_blob_free(b);
		}
		fputs("</div>\n", f);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, d, _("cannot read the portfolio"));
	if (!n) {
		fputs("<p>", f);
		ej_html_escape(f, _("No documents."));
		fputs("</p>\n", f);
	}
	fputs("</body>\n</html>\n", f);
	if (fflush(f) != 0 || ferror(f))
		return ej_error(d, EJ_EXIT_IOERR, NULL, 0, 0, "stdout");
	return 0;
}

int
ej_portfolio_show(struct ej_store *s, const char *person, enum ej_format fmt,
    FILE *out, struct ej_diag *d)
{
	struct ej_table *t;
	struct person p;
	sqlite3_stmt *st;
	char *title;
	int rc;

	if (find_person(s, person, NULL, 0, &p, d) <= 0 ||
	    may(s, &p, 0, NULL, 0, d) < 0)
		return -1;
	if ((st = docs_of(s, &p, 0, d)) == NULL)
		return -1;
	if (fmt == EJ_FMT_HTML)
		return show_html(s, &p, st, out, d);
	title = ej_xasprintf("%s: %s%s%s", _("Portfolio"), p.name,
	    p.cls[0] ? ", " : "", p.cls);
	t = ej_table_new(title);
	free(title);
	ej_table_section_key(t, "kind");
	ej_table_col(t, "id", _("No."), EJ_COL_NUM);
	ej_table_col(t, "title", _("Title"), 0);
	ej_table_col(t, "date", _("Date"), EJ_COL_NOWRAP);
	ej_table_col(t, "issuer", _("Issuer"), 0);
	ej_table_col(t, "level", _("Level"), 0);
	ej_table_col(t, "file", _("File"), 0);
	ej_table_col(t, "type", _("Type"), 0);
	ej_table_col(t, "size", _("Size"), EJ_COL_NUM);
	{
		char kind[256] = "";

		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			static const int cols[] = {0, 3, 4, 5, 6, 7, 8, 9};
			size_t i;

			if (strcmp(col_text(st, 2), kind) != 0) {
				snprintf(kind, sizeof kind, "%s",
				    col_text(st, 2));
				ej_table_section(t, kind);
			}
			ej_table_row(t);
			for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
				ej_table_cell(t, col_text(st, cols[i]));
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ej_table_free(t);
		return ej_store_sqlerr(s, d, _("cannot read the portfolio"));
	}
	rc = ej_table_write(t, fmt, out, d);
	ej_table_free(t);
	return rc;
}

int
ej_portfolio_export(struct ej_store *s, const char *person,
    const char *class_name, const char *dir, struct ej_diag *d)
{
	struct person p = {0};
	sqlite3_stmt *st;
	long long cid = 0;
	long n = 0;
	int dfd, rc;

	if (class_name && (cid = ej_roster_find_class(s, class_name)) == 0)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no class \"%s\""), class_name);
	if (cid) {
		p.class_id = cid;
		if (!(ej_store_actor(s)->roles & (EJ_ROLE_ADMIN |
		    EJ_ROLE_DEPUTY)) && class_teacher_of(s, cid, d) != 1)
			return ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
			    _("%s may not read the portfolios of class %s: "
			    "only its class teacher, a deputy or an admin"),
			    ej_store_actor(s)->login, class_name);
	} else if (find_person(s, person, NULL, 0, &p, d) <= 0 ||
	    may(s, &p, 0, NULL, 0, d) < 0)
		return -1;
	if ((st = docs_of(s, cid ? NULL : &p, cid, d)) == NULL)
		return -1;
	if (ej_user_mkdir(dir, 0700) < 0 && errno != EEXIST)
		return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
		    strerror(errno));
	if ((dfd = ej_user_open(dir, O_RDONLY | O_DIRECTORY, 0)) < 0)
		return ej_error(d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
		    strerror(errno));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *name = ej_xasprintf("%s %lld %s", col_text(st, 1),
		    sqlite3_column_int64(st, 0), col_text(st, 7));
		char *safe = ej_pathname(name), *shown;
		git_blob *b;
		FILE *f;

		free(name);
		if (!safe || (b = doc_blob(s, col_text(st, 10), d)) == NULL) {
			free(safe);
			rc = -1;
			break;
		}
		shown = ej_xasprintf("%s/%s", dir, safe);
		f = ej_user_create(dfd, safe, shown, NULL, d);
		if (f) {
			/* Both always: the file is closed even when short. */
			int bad = fwrite(git_blob_rawcontent(b), 1,
			    (size_t)git_blob_rawsize(b), f) !=
			    (size_t)git_blob_rawsize(b);

			if (fclose(f) != 0)
				bad = 1;
			if (bad)
				ej_error(d, EJ_EXIT_IOERR, shown, 0, 0, "%s",
				    strerror(errno));
			else
				n++;
		}
		free(shown);
		free(safe);
		git_blob_free(b);
		if (!f) {
			rc = -1;
			break;
		}
	}
	sqlite3_reset(st);
	close(dfd);
	if (rc == SQLITE_DONE)
		ej_note(d, _("%s: %ld files"), dir, n);
	return rc == SQLITE_DONE && !ej_diag_status(d) ? 0 : -1;
}

int
ej_portfolio_missing(struct ej_store *s, const char *since,
    enum ej_format fmt, FILE *out, struct ej_diag *d)
{
	struct ej_table *t;
	sqlite3_stmt *st;
	char from[EJ_DATE_LEN];
	int rc, i;

	if (since_arg(s, since, from, d) < 0)
		return -1;
	if ((st = ej_store_prepare(s, PEOPLE "SELECT x.name, x.unit, "
	    "x.arrived, CASE WHEN x.pupil_id IS NULL THEN 'staff' ELSE "
	    "'pupil' END FROM people x WHERE x.readable AND x.arrived > ?5 "
	    "AND (x.pupil_id IS NULL OR x.class_id IS NOT NULL) AND NOT "
	    "EXISTS (SELECT 1 FROM portfolio d WHERE d.pupil_id IS x.pupil_id "
	    "AND d.staff_id IS x.staff_id) ORDER BY x.pupil_id IS NULL, "
	    "x.unit, x.name", d)) == NULL)
		return -1;
	if (bind_actor(s, st, d) < 0)
		return -1;
	sqlite3_bind_text(st, 5, from, -1, SQLITE_TRANSIENT);
	t = ej_table_new(_("Newly arrived without a portfolio"));
	ej_table_col(t, "person", _("Person"), 0);
	ej_table_col(t, "class", _("Class or position"), 0);
	ej_table_col(t, "arrived", _("Arrived"), EJ_COL_NOWRAP);
	ej_table_col(t, "who", _("Who"), 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ej_table_row(t);
		for (i = 0; i < 4; i++)
			ej_table_cell(t, col_text(st, i));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ej_table_free(t);
		return ej_store_sqlerr(s, d, _("cannot list the portfolios"));
	}
	rc = ej_table_write(t, fmt, out, d);
	ej_table_free(t);
	return rc;
}
