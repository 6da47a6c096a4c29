/*
 * report_mail — `diary --mail DIR`: one RFC 5322 message per parent with
 * an e-mail in the roster, multipart/alternative with the diary as text
 * and as HTML (UTF-8, base64), ready for `sendmail -t < FILE`; and
 * --as-of, the journal as it stood at a commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "date.h"
#include "history.h"
#include "i18n.h"
#include "priv.h"
#include "report_priv.h"
#include "text.h"

/* Body text as base64 in lines of 76. */
static void
put_base64(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 57) {
		size_t n = len - i < 57 ? len - i : 57;
		char b64[80];

		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i,
		    n, sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s\r\n", b64);
	}
}

static char *
render(const struct ej_doc *doc, enum ej_format fmt, size_t *len,
    struct ej_diag *d)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		ej_xmalloc((size_t)-1);
	ej_doc_write(doc, fmt, f, d);
	fclose(f);
	return buf;
}

/* Text lines with CRLF ends, as a message body has them. */
static char *
crlf(const char *s, size_t *len)
{
	size_t n = 0, i, j = 0;
	char *out;

	for (i = 0; s[i]; i++)
		n += s[i] == '\n' ? 2 : 1;
	out = ej_xmalloc(n + 1);
	for (i = 0; s[i]; i++) {
		if (s[i] == '\n')
			out[j++] = '\r';
		out[j++] = s[i];
	}
	out[j] = '\0';
	*len = j;
	return out;
}

static const char *const wdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/*
 * RFC 2047 encoded words ("=?UTF-8?B?…?="), each of whole characters and
 * at most 39 bytes of text, so 64 columns: with "Subject: " before the
 * first, every header line stays within RFC 2047's 76. Words after the
 * first go on folded lines, and a decoder drops the folds between them.
 * A word ends after a space where one fits: decoders that keep the fold
 * (Python's email parser in a display name) then show a double space
 * rather than break a name in two.
 */
static void
put_encoded(FILE *f, const char *s)
{
	const char *p = s, *end = s + strlen(s), *q, *next, *cut;
	char b64[80];
	uint32_t cp;

	while (p < end) {
		cut = NULL;
		for (q = p; q < end; q = next) {
			next = q;
			if (ej_utf8_next(&next, end, &cp) < 0)
				next = q + 1;
			if (next - p > 39)
				break;
			if (*q == ' ')
				cut = next;
		}
		if (q == end || cut == NULL)
			cut = q;
		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)p,
		    (size_t)(cut - p), sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s=?UTF-8?B?%s?=", p == s ? "" : "\r\n ", b64);
		p = cut;
	}
}

/* Printable ASCII only, no more than fits a line. */
static int
plain_ascii(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			return 0;
	return n <= 60;
}

/*
 * A display name (RFC 5322 phrase): an ASCII name as a quoted string,
 * "Smith, Jr.", with \ and " escaped, so that no comma, angle bracket or
 * colon in it can make a second address; any other as encoded words.
 */
static void
put_phrase(FILE *f, const char *s)
{
	if (!plain_ascii(s)) {
		put_encoded(f, s);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', f);
		putc(*s, f);
	}
	putc('"', f);
}

/* An unstructured value (the subject): printable ASCII as it is. */
static void
put_text(FILE *f, const char *s)
{
	if (plain_ascii(s))
		fputs(s, f);
	else
		put_encoded(f, s);
}

/*
 * A Message-ID no other message shares: 128 random bits, with the
 * pupil, the parent and the history's head for whoever reads the logs.
 */
static void
put_message_id(struct rp *r, FILE *f, long long pid, long long parent,
    const char *from)
{
	unsigned char rnd[16];
	char hex[2 * sizeof rnd + 1], *head = NULL;
	const char *domain = strchr(from, '@');

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	if (ej_meta_get(r->s, "head", &head) < 0 || head == NULL ||
	    strspn(head, "0123456789abcdef") != strlen(head)) {
		free(head);
		head = NULL;
	}
	fprintf(f, "Message-ID: <diary.%lld.%lld.%.12s.%s@%s>\r\n", pid,
	    parent, head && *head ? head : "0", hex,
	    domain ? domain + 1 : "localhost");
	free(head);
}

/* From, To, Subject, Date and Message-ID. */
static void
put_headers(struct rp *r, FILE *f, const struct tm *tm, const char *from_name,
    const char *from, const char *to_name, const char *to,
    const char *subject, long long pid, long long parent)
{
	fputs("From: ", f);
	put_phrase(f, from_name);
	fprintf(f, "\r\n <%s>\r\nTo: ", from);
	put_phrase(f, to_name);
	fprintf(f, "\r\n <%s>\r\nSubject: ", to);
	put_text(f, subject);
	fprintf(f, "\r\nDate: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    wdays[tm->tm_wday], tm->tm_mday, months[tm->tm_mon],
	    tm->tm_year + 1900, tm->tm_hour, tm->tm_min, tm->tm_sec);
	put_message_id(r, f, pid, parent, from);
}

static int
write_message(struct rp *r, const char *path, const char *from_name,
    const char *from, const char *to_name, const char *to,
    const char *subject, const char *text, const char *html, long long pid,
    long long parent)
{
	FILE *f;
	time_t now = time(NULL);
	struct tm tm;
	char *body;
	size_t len;
	const char *b = "=_ej-diary-boundary";

	/* With the user's rights, new, never through a link (priv.h). */
	if ((f = ej_user_create(AT_FDCWD, path, NULL, NULL, r->d)) == NULL)
		return -1;
	gmtime_r(&now, &tm);
	put_headers(r, f, &tm, from_name, from, to_name, to, subject, pid,
	    parent);
	fprintf(f, "MIME-Version: 1.0\r\nContent-Type: multipart/alternative;"
	    " boundary=\"%s\"\r\n\r\n", b);
	fprintf(f, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", b);
	body = crlf(text, &len);
	put_base64(f, body, len);
	free(body);
	fprintf(f, "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", b);
	body = crlf(html, &len);
	put_base64(f, body, len);
	free(body);
	fprintf(f, "\r\n--%s--\r\n", b);
	if (fclose(f) != 0)
		return ej_error(r->d, EJ_EXIT_IOERR, path, 0, 0, "%s",
		    strerror(errno));
	return 0;
}

/*
 * The message to parent about pupil is written: so record it (in the
 * store the caller asked, which may not be the one the report reads:
 * --as-of), for ej-report informed.
 */
static int
record_mailed(struct rp *r, long long pupil, long long parent)
{
	struct ej_store *s = r->o->record;
	const struct ej_actor *a;
	sqlite3_stmt *st;
	char at[21];
	int rc;

	if (s == NULL)
		return 0;
	if ((a = ej_store_actor(s)) == NULL || a->staff_id <= 0)
		return ej_error(r->d, EJ_EXIT_NOPERM, NULL, 0, 0, "%s",
		    _("no permission: only the school's staff mail diaries"));
	if ((st = ej_store_prepare(s, "INSERT INTO diary_mailed (parent_id, "
	    "pupil_id, at, by_id) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
	    "(parent_id, pupil_id) DO UPDATE SET at = ?3, by_id = ?4",
	    r->d)) == NULL)
		return -1;
	ej_timestamp_now(at);
	sqlite3_bind_int64(st, 1, parent);
	sqlite3_bind_int64(st, 2, pupil);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, a->staff_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ej_store_sqlerr(s, r->d, _("cannot record the message"));
	if (r->o->mailed)
		(*r->o->mailed)++;
	return 0;
}

int
rp_diary_mail(struct rp *r, const char *dir)
{
	sqlite3_stmt *st;
	long long *pupils = NULL;
	char **names = NULL;
	size_t np = 0, i;
	char from[256] = "", from_name[512] = "";
	int step, rc = 0, sent = 0;

	if (ej_user_mkdir(dir, 0700) < 0 && errno != EEXIST)
		return ej_error(r->d, EJ_EXIT_CANTCREAT, dir, 0, 0, "%s",
		    strerror(errno));
	if ((st = rp_prep(r, "SELECT (SELECT value FROM school WHERE key = "
	    "'email'), (SELECT value FROM school WHERE key = "
	    "'short_name')")) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(from, sizeof from, "%s", rp_text(st, 0));
		snprintf(from_name, sizeof from_name, "%s", rp_text(st, 1));
	}
	sqlite3_reset(st);
	if (!*from)
		snprintf(from, sizeof from, "%s", "school@localhost");
	else if (!ej_email_valid(from))
		return ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("the school's e-mail \"%s\" is not an address; no "
		    "message was written"), from);
	if (sodium_init() < 0)
		return ej_error(r->d, EJ_EXIT_SOFTWARE, NULL, 0, 0,
		    "sodium_init");
	if ((st = rp_prep(r, "SELECT mb.pupil_id, p.surname || ' ' || p.name "
	    "FROM temp.rp_members mb JOIN temp.rp_classes c ON c.class_id = "
	    "mb.class_id JOIN pupils p ON p.id = mb.pupil_id ORDER BY "
	    "c.parallel, c.name, p.surname, p.name, p.id")) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		pupils = ej_xrealloc(pupils, (np + 1) * sizeof *pupils);
		names = ej_xrealloc(names, (np + 1) * sizeof *names);
		pupils[np] = sqlite3_column_int64(st, 0);
		names[np++] = ej_xstrdup(rp_text(st, 1));
	}
	if (rp_done(r, st, step) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < np; i++) {
		char *text, *html, *subject;
		size_t tl, hl;

		ej_doc_free(r->doc);
		r->doc = NULL;
		if (rp_diary(r, pupils[i]) < 0) {
			rc = -1;
			break;
		}
		text = render(r->doc, EJ_FMT_TEXT, &tl, r->d);
		html = render(r->doc, EJ_FMT_HTML, &hl, r->d);
		subject = ej_xasprintf(_("Diary: %s"), names[i]);
		if ((st = rp_prep(r, "SELECT pa.id, trim(pa.surname || ' ' || "
		    "pa.name || ' ' || pa.patronymic), pa.email FROM guardians "
		    "g JOIN parents pa ON pa.id = g.parent_id WHERE g.pupil_id "
		    "= ? AND pa.email <> '' ORDER BY pa.id")) == NULL)
			rc = -1;
		else
			sqlite3_bind_int64(st, 1, pupils[i]);
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
			char *path = ej_xasprintf("%s/%lld-%lld.eml", dir,
			    pupils[i], (long long)sqlite3_column_int64(st, 0));

			/* a store written before addresses were checked */
			if (!ej_email_valid(rp_text(st, 2))) {
				ej_error(r->d, EJ_EXIT_DATAERR, NULL, 0, 0,
				    _("parent %lld: \"%s\" is not an e-mail "
				    "address; no message was written"),
				    (long long)sqlite3_column_int64(st, 0),
				    rp_text(st, 2));
				free(path);
				continue;
			}
			if (write_message(r, path, from_name, from,
			    rp_text(st, 1), rp_text(st, 2), subject, text, html,
			    pupils[i], sqlite3_column_int64(st, 0)) < 0 ||
			    record_mailed(r, pupils[i],
			    sqlite3_column_int64(st, 0)) < 0)
				rc = -1;
			else
				sent++;
			free(path);
		}
		if (st != NULL && rc == 0 && rp_done(r, st, step) < 0)
			rc = -1;
		else if (st != NULL)
			sqlite3_reset(st);
		free(subject);
		free(text);
		free(html);
	}
	ej_doc_free(r->doc);
	r->doc = NULL;
	if (rc == 0)
		ej_note(r->d, _("%d messages written to %s"), sent, dir);
	for (i = 0; i < np; i++)
		free(names[i]);
	free(names);
	free(pupils);
	return rc;
}

/* ---------------------------------------------------------- as-of */

/* The last commit at or before the end of day (local time). */
static int
commit_by_day(struct ej_store *s, int day, git_oid *out, int *cday,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_revwalk *w = NULL;
	struct tm tm = { 0 };
	int y, m, dd, found = 0;
	time_t limit;
	git_oid id;

	if (repo == NULL)
		return -1;
	ej_date_to_ymd(day, &y, &m, &dd);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	tm.tm_isdst = -1;
	limit = mktime(&tm);
	if (git_revwalk_new(&w, repo) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TIME) < 0 ||
	    git_revwalk_push_head(w) < 0) {
		git_revwalk_free(w);
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
		    _("the history has no commits"));
	}
	while (!found && git_revwalk_next(&id, w) == 0) {
		git_commit *c;

		if (git_commit_lookup(&c, repo, &id) < 0)
			continue;
		if ((time_t)git_commit_time(c) <= limit) {
			git_oid_cpy(out, &id);
			found = 1;
		}
		git_commit_free(c);
	}
	git_revwalk_free(w);
	if (!found) {
		char b[EJ_DATE_LEN];

		ej_date_format(day, b);
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("--as-of %s: the history has no commit by then"), b);
	}
	*cday = day;
	return 0;
}

int
ej_report_as_of(struct ej_store *live, const char *spec,
    struct ej_store **out, int *day, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(live, d);
	git_oid id;
	int date;

	*out = NULL;
	if (repo == NULL)
		return -1;
	if (ej_date_parse(spec, NULL, &date) == 0) {
		if (commit_by_day(live, date, &id, day, d) < 0)
			return -1;
	} else {
		git_commit *c;

		if (ej_history_resolve(live, spec, "--as-of", &id, d) < 0)
			return -1;
		if (git_commit_lookup(&c, repo, &id) < 0)
			return ej_history_damaged(repo, &id, d);
		{
			time_t t = (time_t)git_commit_time(c);
			struct tm tm;

			localtime_r(&t, &tm);
			if (ej_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, day) < 0)
				*day = 0;
		}
		git_commit_free(c);
	}
	/* SQLite's own temporary database: a file without a name, gone
	 * when closed, that nobody else can open — the whole school as it
	 * stood must not lie in a file the user owns. */
	if (ej_store_open_empty(out, ej_store_dir(live), "", d) < 0 ||
	    ej_store_exec(*out, "BEGIN", d) < 0 ||
	    ej_history_load(*out, &id, d) < 0 ||
	    ej_store_exec(*out, "COMMIT", d) < 0) {
		ej_report_as_of_free(*out);
		*out = NULL;
		return -1;
	}
	ej_store_set_actor(*out, ej_store_actor(live));
	return 0;
}

void
ej_report_as_of_free(struct ej_store *s)
{
	ej_store_discard(s);
}
