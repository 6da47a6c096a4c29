/*
 * report_mail — `diary --mail DIR`: one RFC 5322 message per parent with
 * an e-mail in the roster, multipart/alternative with the diary as text
 * and as HTML (UTF-8, base64), ready for `sendmail -t < FILE`; and
 * --as-of, the journal as it stood at a commit.
 */
#include <errno.h>
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

/*
 * A header value as RFC 2047 encoded words ("=?UTF-8?B?…?="), each of at
 * most 45 bytes of whole characters, on folded lines; plain ASCII as is.
 */
static void
put_words(FILE *f, const char *s)
{
	const char *p = s, *end = s + strlen(s);
	int ascii = 1;

	for (; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n')
			ascii = 0;
	if (ascii) {
		fputs(s, f);
		return;
	}
	p = s;
	while (p < end) {
		const char *q = p, *last = p;
		char b64[80];
		uint32_t cp;

		while (q < end && q - p <= 45) {
			last = q;
			if (ej_utf8_next(&q, end, &cp) < 0)
				q++;
		}
		if (q - p <= 45)
			last = q;
		if (last == p)
			last = q;
		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)p,
		    (size_t)(last - p), sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s=?UTF-8?B?%s?=", p == s ? "" : "\r\n ", b64);
		p = last;
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

	if ((f = fopen(path, "w")) == NULL)
		return ej_error(r->d, EJ_EXIT_CANTCREAT, path, 0, 0, "%s",
		    strerror(errno));
	gmtime_r(&now, &tm);
	fputs("From: ", f);
	put_words(f, from_name);
	fprintf(f, " <%s>\r\nTo: ", from);
	put_words(f, to_name);
	fprintf(f, " <%s>\r\nSubject: ", to);
	put_words(f, subject);
	fprintf(f, "\r\nDate: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    wdays[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	fprintf(f, "Message-ID: <diary.%lld.%lld.%lld@%s>\r\n", pid, parent,
	    (long long)now, strchr(from, '@') ? strchr(from, '@') + 1 :
	    "localhost");
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

int
rp_diary_mail(struct rp *r, const char *dir)
{
	sqlite3_stmt *st;
	long long *pupils = NULL;
	char **names = NULL;
	size_t np = 0, i;
	char from[256] = "", from_name[512] = "";
	int step, rc = 0, sent = 0;
	struct stat sb;

	if (stat(dir, &sb) < 0 && mkdir(dir, 0700) < 0)
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

			if (write_message(r, path, from_name, from,
			    rp_text(st, 1), rp_text(st, 2), subject, text, html,
			    pupils[i], sqlite3_column_int64(st, 0)) < 0)
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
	char tmpl[4096], *dbpath;
	const char *tmp = getenv("TMPDIR");
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
	snprintf(tmpl, sizeof tmpl, "%s/ej-report-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		return ej_error(d, EJ_EXIT_CANTCREAT, tmpl, 0, 0, "%s",
		    strerror(errno));
	dbpath = ej_xasprintf("%s/ej.db", tmpl);
	if (ej_store_open_empty(out, ej_store_dir(live), dbpath, d) < 0 ||
	    ej_store_exec(*out, "BEGIN", d) < 0 ||
	    ej_history_load(*out, &id, d) < 0 ||
	    ej_store_exec(*out, "COMMIT", d) < 0) {
		ej_report_as_of_free(*out);
		*out = NULL;
		rmdir(tmpl);
		free(dbpath);
		return -1;
	}
	free(dbpath);
	ej_store_set_actor(*out, ej_store_actor(live));
	return 0;
}

void
ej_report_as_of_free(struct ej_store *s)
{
	char *dir, *slash;

	if (s == NULL)
		return;
	dir = ej_xstrdup(ej_store_dbpath(s));
	ej_store_discard(s);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		rmdir(dir);
	}
	free(dir);
}
