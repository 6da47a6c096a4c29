/*
 * diary_web — one CGI request of the e-diary (RFC 3875, ej-diary(8)):
 * the request from the environment and stdin (every part length-limited),
 * the session from its cookie, the page from the journal's mirror through
 * the report module, and the response: Status, the security headers, and
 * Russian HTML that needs no script and no inline style.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "account.h"
#include "date.h"
#include "diary.h"
#include "i18n.h"
#include "report.h"
#include "store.h"
#include "table.h"
#include "who.h"

#define NFIELDS 16

struct field {
	char *key, *value;
};

struct req {
	const struct ej_diary_conf *c;
	struct ej_diary *dy;
	struct ej_store *s;          /* the mirror, opened on first use */
	struct ej_diag d;
	const char *method, *path, *base, *addr;
	int https, head;
	struct field q[NFIELDS], f[NFIELDS];   /* query, form */
	size_t nq, nf;
	char cookie_id[65], cookie_pre[65];
	int have_session;
	struct ej_diary_account a;
	char csrf[65];
	/* the response */
	FILE *out;
	char *body;
	size_t bodylen;
	FILE *b;
	char headers[2048];
	int status;
};

static const char csp[] = "default-src 'none'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

/* ------------------------------------------------------ the request */

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* application/x-www-form-urlencoded, in place. */
static void
urldecode(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%' && unhex(s[1]) >= 0 && unhex(s[2]) >= 0) {
			*w++ = (char)(unhex(s[1]) * 16 + unhex(s[2]));
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Split "a=1&b=2" (a copy of it) into at most NFIELDS fields. */
static size_t
parse_fields(char *s, struct field *v)
{
	char *p, *save = NULL, *eq;
	size_t n = 0;

	for (p = strtok_r(s, "&", &save); p && n < NFIELDS;
	    p = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(p, '=')) == NULL)
			continue;
		*eq = '\0';
		urldecode(p);
		urldecode(eq + 1);
		v[n].key = p;
		v[n].value = eq + 1;
		n++;
	}
	return n;
}

static const char *
field(const struct field *v, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].value;
	return NULL;
}

#define QUERY(r, k) field((r)->q, (r)->nq, (k))
#define FORM(r, k) field((r)->f, (r)->nf, (k))

/* The value of cookie name from HTTP_COOKIE into buf (64 hex digits). */
static void
cookie(const char *all, const char *name, char buf[65])
{
	size_t n = strlen(name);
	const char *p = all;

	buf[0] = '\0';
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "; ");

			if (len == 64)
				snprintf(buf, 65, "%.*s", 64, p + n + 1);
			return;
		}
		p = strchr(p, ';');
	}
}

/* ----------------------------------------------------- the response */

static void
header(struct req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
header(struct req *r, const char *fmt, ...)
{
	size_t len = strlen(r->headers);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->headers + len, sizeof r->headers - len, fmt, ap);
	va_end(ap);
	len = strlen(r->headers);
	snprintf(r->headers + len, sizeof r->headers - len, "\r\n");
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	default: return "Internal Server Error";
	}
}

static void
send_response(struct req *r, const char *type)
{
	fflush(r->b);
	fprintf(r->out, "Status: %d %s\r\n", r->status, reason(r->status));
	fprintf(r->out, "Content-Type: %s\r\n", type);
	fprintf(r->out, "Content-Length: %zu\r\n", r->bodylen);
	fprintf(r->out, "Content-Security-Policy: %s\r\n", csp);
	fputs("Referrer-Policy: no-referrer\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n", r->out);
	if (strcmp(type, "text/css") != 0)
		fputs("Cache-Control: no-store\r\n", r->out);
	else
		fputs("Cache-Control: max-age=3600\r\n", r->out);
	fputs(r->headers, r->out);
	fputs("\r\n", r->out);
	if (!r->head)
		fwrite(r->body, 1, r->bodylen, r->out);
	fflush(r->out);
}

static void
esc(struct req *r, const char *s)
{
	ej_html_escape(r->b, s);
}

static void
redirect(struct req *r, const char *path)
{
	r->status = 303;
	header(r, "Location: %s%s", r->base, path);
	fprintf(r->b, "<!DOCTYPE html><title>%s</title>", path);
}

static void
set_cookie(struct req *r, const char *name, const char *value, int clear)
{
	header(r, "Set-Cookie: %s=%s; Path=%s/; HttpOnly; SameSite=Strict%s%s",
	    name, value, r->base, r->https ? "; Secure" : "",
	    clear ? "; Max-Age=0" : "");
}

static void
page_start(struct req *r, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
	    "<title>", r->b);
	esc(r, title);
	fprintf(r->b, " — Электронный дневник</title><link rel=\"stylesheet\" "
	    "href=\"%s/style.css\"></head>\n<body><header><p class=\"brand\">"
	    "Электронный дневник</p>", r->base);
	if (r->have_session && !r->a.must_change) {
		fputs("<nav>", r->b);
		fprintf(r->b, "<a href=\"%s/week\">Неделя</a> "
		    "<a href=\"%s/period\">Четверть</a> "
		    "<a href=\"%s/help\">Помощь</a> ", r->base, r->base,
		    r->base);
		fprintf(r->b, "<form method=\"post\" action=\"%s/logout\" "
		    "class=\"inline\"><input type=\"hidden\" name=\"csrf\" "
		    "value=\"%s\"><button type=\"submit\">Выйти</button>"
		    "</form></nav>", r->base, r->csrf);
		fputs("<p class=\"who\">", r->b);
		esc(r, r->a.person);
		fputs("</p>", r->b);
	}
	fputs("</header>\n<main>", r->b);
}

static void
page_end(struct req *r)
{
	fputs("</main></body></html>\n", r->b);
}

static void
error_page(struct req *r, int status, const char *msg)
{
	r->status = status;
	page_start(r, msg);
	fputs("<h1>", r->b);
	esc(r, msg);
	fprintf(r->b, "</h1><p><a href=\"%s/\">На главную</a></p>", r->base);
	page_end(r);
}

/* --------------------------------------------------------- the store */

static struct ej_store *
store(struct req *r)
{
	struct ej_actor a;

	if (r->s)
		return r->s;
	if (r->c->store == NULL || *r->c->store == '\0') {
		ej_error(&r->d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("EJ_STORE is not set: the journal's mirror"));
		return NULL;
	}
	if (ej_store_open(&r->s, r->c->store, EJ_STORE_RDONLY, &r->d) < 0)
		return NULL;
	/* A reader of the whole journal, on a connection that cannot
	 * write: what each person may see is decided here, per child. */
	memset(&a, 0, sizeof a);
	snprintf(a.login, sizeof a.login, "ej-diary");
	snprintf(a.name, sizeof a.name, "ej-diary");
	a.roles = EJ_ROLE_DEPUTY;
	ej_store_set_actor(r->s, &a);
	return r->s;
}

static int
today(const struct req *r)
{
	return r->c->today ? (int)r->c->today : ej_date_today();
}

/* The child of the request's "p" (default: the first), or -1 after a 403
 * page for a pupil who is not the account's. */
static long long
child(struct req *r)
{
	const char *p = QUERY(r, "p");
	long long id;
	size_t i;
	char *end;

	if (r->a.nchildren == 0) {
		error_page(r, 403, "Нет доступа");
		return -1;
	}
	if (p == NULL)
		return r->a.children[0];
	id = strtoll(p, &end, 10);
	for (i = 0; *p && !*end && i < r->a.nchildren; i++)
		if (r->a.children[i] == id)
			return id;
	ej_diary_log(r->dy, r->addr, "forbidden", r->a.login);
	error_page(r, 403, "Нет доступа к этому дневнику");
	return -1;
}

static void
child_switch(struct req *r, long long cur, const char *page)
{
	sqlite3_stmt *st;
	size_t i;

	if (r->a.nchildren < 2 || store(r) == NULL)
		return;
	if (sqlite3_prepare_v2(ej_store_db(r->s), "SELECT surname || ' ' || "
	    "name FROM pupils WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	fputs("<nav class=\"children\">", r->b);
	for (i = 0; i < r->a.nchildren; i++) {
		sqlite3_bind_int64(st, 1, r->a.children[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			if (r->a.children[i] == cur) {
				fputs("<strong>", r->b);
				esc(r, (const char *)sqlite3_column_text(st, 0));
				fputs("</strong> ", r->b);
			} else {
				fprintf(r->b, "<a href=\"%s/%s?p=%lld\">",
				    r->base, page, r->a.children[i]);
				esc(r, (const char *)sqlite3_column_text(st, 0));
				fputs("</a> ", r->b);
			}
		}
		sqlite3_reset(st);
	}
	fputs("</nav>", r->b);
	sqlite3_finalize(st);
}

/* A table as HTML, the columns of the mask (bit i: column i). */
static void
table_html(struct req *r, const struct ej_table *t, unsigned mask)
{
	size_t i, j, nc = ej_table_ncols(t), nr = ej_table_nrows(t);

	fputs("<table><thead><tr>", r->b);
	for (j = 0; j < nc; j++) {
		if (!(mask & (1u << j)))
			continue;
		fprintf(r->b, "<th class=\"%s\">", ej_table_col_key(t, j));
		esc(r, ej_table_heading(t, j));
		fputs("</th>", r->b);
	}
	fputs("</tr></thead><tbody>", r->b);
	for (i = 0; i < nr; i++) {
		fputs("<tr>", r->b);
		for (j = 0; j < nc; j++) {
			if (!(mask & (1u << j)))
				continue;
			fprintf(r->b, "<td class=\"%s\">",
			    ej_table_col_key(t, j));
			esc(r, ej_table_get(t, i, j));
			fputs("</td>", r->b);
		}
		fputs("</tr>", r->b);
	}
	fputs("</tbody></table>", r->b);
}

/* The report o for pupil, or NULL after an error page. */
static struct ej_doc *
report(struct req *r, struct ej_report_opts *o)
{
	struct ej_doc *doc = NULL;

	o->today = today(r);
	if (store(r) == NULL) {
		error_page(r, 500, "Дневник временно недоступен");
		return NULL;
	}
	if (ej_report_build(r->s, o, &doc, &r->d) < 0 || doc == NULL) {
		if (ej_diag_status(&r->d) == EJ_EXIT_DATAERR) {
			ej_diag_init(&r->d, "ej-diary", stderr);
			error_page(r, 404, "Нет такой недели в учебном году");
		} else {
			error_page(r, 500, "Дневник временно недоступен");
		}
		ej_doc_free(doc);
		return NULL;
	}
	return doc;
}

static const char *const wdays[] = { "Понедельник", "Вторник", "Среда",
	"Четверг", "Пятница", "Суббота", "Воскресенье" };
static const char *const months[] = { "января", "февраля", "марта",
	"апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
	"ноября", "декабря" };

static void
human_date(char *buf, size_t n, int day)
{
	int y, m, dd;

	ej_date_to_ymd(day, &y, &m, &dd);
	snprintf(buf, n, "%s, %d %s", wdays[ej_date_weekday(day) - 1], dd,
	    months[m - 1]);
}

static void
page_week(struct req *r)
{
	struct ej_report_opts o = { 0 };
	struct ej_doc *doc;
	struct ej_table *t;
	const char *ds = QUERY(r, "d");
	char pid[24], iso[EJ_DATE_LEN], prev[EJ_DATE_LEN], next[EJ_DATE_LEN];
	char label[64], a[EJ_DATE_LEN], b[EJ_DATE_LEN];
	long long p;
	int day, monday, shown = -1;
	size_t i;

	if ((p = child(r)) < 0)
		return;
	if (ds == NULL || ej_date_parse_iso(ds, &day) < 0)
		day = today(r);
	monday = day - (ej_date_weekday(day) - 1);
	ej_date_format(monday, iso);
	ej_date_format(monday - 7, prev);
	ej_date_format(monday + 7, next);
	snprintf(pid, sizeof pid, "%lld", p);
	o.kind = EJ_REPORT_DIARY;
	o.pupil = pid;
	o.week = iso;
	if ((doc = report(r, &o)) == NULL)
		return;
	ej_diary_viewed(r->dy, r->a.login, p);
	r->status = 200;
	page_start(r, "Неделя");
	child_switch(r, p, "week");
	ej_date_format(monday, a);
	ej_date_format(monday + 6, b);
	fprintf(r->b, "<h1>Неделя %.2s.%.2s — %.2s.%.2s.%.4s</h1>", a + 8,
	    a + 5, b + 8, b + 5, b);
	fprintf(r->b, "<p class=\"weeks\"><a rel=\"prev\" href=\"%s/week?p=%lld"
	    "&amp;d=%s\">← Предыдущая неделя</a> <a rel=\"next\" "
	    "href=\"%s/week?p=%lld&amp;d=%s\">Следующая неделя →</a></p>",
	    r->base, p, prev, r->base, p, next);
	t = ej_doc_table(doc, 0);
	for (i = 0; t && i < ej_table_nrows(t); i++) {
		int dd;

		if (ej_date_parse_iso(ej_table_get(t, i, 0), &dd) < 0)
			continue;
		if (dd != shown) {
			if (shown >= 0)
				fputs("</tbody></table></section>", r->b);
			human_date(label, sizeof label, dd);
			fprintf(r->b, "<section class=\"day\"><h2>%s</h2>"
			    "<table><thead><tr><th>Предмет</th><th>Тема"
			    "</th><th>Домашнее задание</th><th>Оценки</th>"
			    "<th>Пропуск</th></tr></thead><tbody>", label);
			shown = dd;
		}
		fputs("<tr><td class=\"subject\">", r->b);
		esc(r, ej_table_get(t, i, 1));
		fputs("</td><td class=\"topic\">", r->b);
		esc(r, ej_table_get(t, i, 2));
		fputs("</td><td class=\"homework\">", r->b);
		esc(r, ej_table_get(t, i, 3));
		fputs("</td><td class=\"marks\">", r->b);
		esc(r, ej_table_get(t, i, 4));
		fputs("</td><td class=\"absence\">", r->b);
		esc(r, ej_table_get(t, i, 5));
		fputs("</td></tr>", r->b);
	}
	if (shown >= 0)
		fputs("</tbody></table></section>", r->b);
	else
		fputs("<p class=\"empty\">На этой неделе уроков нет.</p>", r->b);
	page_end(r);
	ej_doc_free(doc);
}

static void
page_period(struct req *r)
{
	struct ej_report_opts o = { 0 };
	struct ej_doc *doc, *att;
	struct ej_table *t;
	char pid[24];
	long long p;
	size_t i;

	if ((p = child(r)) < 0)
		return;
	snprintf(pid, sizeof pid, "%lld", p);
	o.kind = EJ_REPORT_DIARY;
	o.pupil = pid;
	if ((doc = report(r, &o)) == NULL)
		return;
	o.kind = EJ_REPORT_ATTENDANCE;
	if ((att = report(r, &o)) == NULL) {
		ej_doc_free(doc);
		return;
	}
	ej_diary_viewed(r->dy, r->a.login, p);
	r->status = 200;
	page_start(r, "Четверть");
	child_switch(r, p, "period");
	fputs("<h1>Оценки за период</h1>", r->b);
	if ((t = ej_doc_table(doc, 1)) != NULL && ej_table_nrows(t) > 0)
		table_html(r, t, ~0u);
	else
		fputs("<p class=\"empty\">Оценок пока нет.</p>", r->b);
	fputs("<h2>Посещаемость</h2>", r->b);
	/* The totals (without the class and the name) and by subject. */
	for (i = 0; i < 2 && (t = ej_doc_table(att, i)) != NULL; i++)
		table_html(r, t, i == 0 ? ~3u : ~0u);
	page_end(r);
	ej_doc_free(doc);
	ej_doc_free(att);
}

static void
page_help(struct req *r)
{
	struct ej_report_opts o = { 0 };
	struct ej_doc *doc;
	struct ej_table *t;

	o.kind = EJ_REPORT_HELPDESK;
	if ((doc = report(r, &o)) == NULL)
		return;
	r->status = 200;
	page_start(r, "Помощь");
	fputs("<h1>Где получить помощь</h1>", r->b);
	if ((t = ej_doc_table(doc, 0)) != NULL && ej_table_nrows(t) > 0)
		table_html(r, t, ~0u);
	else
		fputs("<p class=\"empty\">Расписание помощи не задано.</p>",
		    r->b);
	page_end(r);
	ej_doc_free(doc);
}

/* ------------------------------------------------ login and password */

static void
login_form(struct req *r, int status, const char *msg)
{
	unsigned char b[32];

	randombytes_buf(b, sizeof b);
	sodium_bin2hex(r->cookie_pre, sizeof r->cookie_pre, b, sizeof b);
	set_cookie(r, "ejd_pre", r->cookie_pre, 0);
	r->status = status;
	page_start(r, "Вход");
	fputs("<h1>Вход в электронный дневник</h1>", r->b);
	if (msg) {
		fputs("<p class=\"error\" role=\"alert\">", r->b);
		esc(r, msg);
		fputs("</p>", r->b);
	}
	fprintf(r->b, "<form method=\"post\" action=\"%s/login\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	    "<label for=\"login\">Логин</label>"
	    "<input id=\"login\" name=\"login\" autocomplete=\"username\" "
	    "autocapitalize=\"none\" maxlength=\"%d\" required>"
	    "<label for=\"password\">Пароль</label>"
	    "<input id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" maxlength=\"%d\" required>"
	    "<button type=\"submit\">Войти</button></form>"
	    "<p class=\"hint\">Логин и пароль — на листке, который выдал "
	    "классный руководитель.</p>", r->base, r->cookie_pre,
	    EJ_DIARY_LOGIN_MAX, EJ_DIARY_PASSWORD_MAX);
	page_end(r);
}

static void
do_login(struct req *r)
{
	const char *login = FORM(r, "login"), *pw = FORM(r, "password");
	const char *token = FORM(r, "csrf");
	char id[65], csrf[65], msg[512], lc[EJ_DIARY_LOGIN_MAX + 1];
	enum ej_diary_auth rc;
	long wait;
	size_t i;

	if (token == NULL || !r->cookie_pre[0] ||
	    !ej_diary_token_eq(token, r->cookie_pre)) {
		ej_diary_log(r->dy, r->addr, "csrf-refused", NULL);
		error_page(r, 403, "Форма устарела: откройте страницу входа "
		    "заново");
		return;
	}
	if (login == NULL || pw == NULL || *login == '\0' || *pw == '\0' ||
	    strlen(login) > EJ_DIARY_LOGIN_MAX ||
	    strlen(pw) > EJ_DIARY_PASSWORD_MAX) {
		login_form(r, 400, "Введите логин и пароль.");
		return;
	}
	/* Logins are lower case; a phone capitalises the first letter. */
	for (i = 0; login[i] && i < EJ_DIARY_LOGIN_MAX; i++)
		lc[i] = (login[i] >= 'A' && login[i] <= 'Z') ?
		    login[i] - 'A' + 'a' : login[i];
	lc[i] = '\0';
	rc = ej_diary_authenticate(r->dy, lc, pw, r->addr, &wait, &r->a,
	    &r->d);
	switch (rc) {
	case EJ_DIARY_AUTH_OK:
		break;
	case EJ_DIARY_AUTH_FAILED:
		login_form(r, 403, "Неверный логин или пароль.");
		return;
	case EJ_DIARY_AUTH_WAIT:
		header(r, "Retry-After: %ld", wait);
		snprintf(msg, sizeof msg, "Слишком много неудачных попыток. "
		    "Повторите через %ld с.", wait);
		login_form(r, 429, msg);
		return;
	case EJ_DIARY_AUTH_LOCKED:
		header(r, "Retry-After: %ld", wait);
		snprintf(msg, sizeof msg, "Вход для этого логина заблокирован "
		    "после многократного ввода неверного пароля. Попробуйте "
		    "снова через %ld мин. или обратитесь к классному "
		    "руководителю.", (wait + 59) / 60);
		login_form(r, 429, msg);
		return;
	default:
		error_page(r, 500, "Дневник временно недоступен");
		return;
	}
	if (ej_diary_session_new(r->dy, r->a.login, id, csrf, &r->d) < 0) {
		error_page(r, 500, "Дневник временно недоступен");
		return;
	}
	set_cookie(r, "ejd", id, 0);
	set_cookie(r, "ejd_pre", "", 1);
	sodium_memzero(id, sizeof id);
	redirect(r, r->a.must_change ? "/password" : "/week");
}

static int
csrf_ok(struct req *r)
{
	const char *t = FORM(r, "csrf");

	if (t && ej_diary_token_eq(t, r->csrf))
		return 1;
	ej_diary_log(r->dy, r->addr, "csrf-refused", r->a.login);
	error_page(r, 403, "Форма устарела: откройте страницу заново");
	return 0;
}

static void
password_form(struct req *r, int status, const char *msg)
{
	r->status = status;
	page_start(r, "Смена пароля");
	fputs("<h1>Смена пароля</h1>", r->b);
	if (r->a.must_change)
		fputs("<p>Пароль с листка действует только для первого входа. "
		    "Придумайте свой пароль: не короче 10 символов, не "
		    "совпадающий с логином и с паролем с листка.</p>", r->b);
	if (msg) {
		fputs("<p class=\"error\" role=\"alert\">", r->b);
		esc(r, msg);
		fputs("</p>", r->b);
	}
	fprintf(r->b, "<form method=\"post\" action=\"%s/password\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	    "<input type=\"hidden\" name=\"username\" value=\"%s\" "
	    "autocomplete=\"username\">"
	    "<label for=\"current\">%s</label>"
	    "<input id=\"current\" name=\"current\" type=\"password\" "
	    "autocomplete=\"current-password\" maxlength=\"%d\" required>"
	    "<label for=\"new\">Новый пароль</label>"
	    "<input id=\"new\" name=\"new\" type=\"password\" "
	    "autocomplete=\"new-password\" minlength=\"%d\" maxlength=\"%d\" "
	    "required><label for=\"new2\">Новый пароль ещё раз</label>"
	    "<input id=\"new2\" name=\"new2\" type=\"password\" "
	    "autocomplete=\"new-password\" maxlength=\"%d\" required>"
	    "<button type=\"submit\">Сменить пароль</button></form>",
	    r->base, r->csrf, r->a.login, r->a.must_change ?
	    "Пароль с листка" : "Текущий пароль", EJ_DIARY_PASSWORD_MAX,
	    EJ_DIARY_PASSWORD_MIN, EJ_DIARY_PASSWORD_MAX,
	    EJ_DIARY_PASSWORD_MAX);
	page_end(r);
}

static void
do_password(struct req *r)
{
	const char *cur = FORM(r, "current"), *nw = FORM(r, "new");
	const char *nw2 = FORM(r, "new2"), *why;
	struct ej_account_cost cost;
	int rc;

	if (!csrf_ok(r))
		return;
	if (cur == NULL || nw == NULL || nw2 == NULL ||
	    strlen(cur) > EJ_DIARY_PASSWORD_MAX ||
	    strlen(nw) > EJ_DIARY_PASSWORD_MAX) {
		password_form(r, 400, "Заполните все поля.");
		return;
	}
	if (strcmp(nw, nw2) != 0) {
		password_form(r, 400, "Новые пароли не совпадают.");
		return;
	}
	/* The school's argon2id cost, as ej-issue-login hashes with. */
	if (store(r) == NULL || ej_account_cost(r->s, &cost, &r->d) < 0) {
		error_page(r, 500, "Дневник временно недоступен");
		return;
	}
	rc = ej_diary_password_change(r->dy, r->a.login, cur, nw, cost.ops,
	    cost.mem, &why, &r->d);
	if (rc < 0) {
		error_page(r, 500, "Дневник временно недоступен");
		return;
	}
	if (rc > 0) {
		ej_diary_log(r->dy, r->addr, "password-refused", r->a.login);
		password_form(r, 400, why);
		return;
	}
	ej_diary_log(r->dy, r->addr, "password-changed", r->a.login);
	/* Whoever else was logged in with the old password is no more. */
	ej_diary_sessions_end_others(r->dy, r->a.login, r->cookie_id);
	redirect(r, "/week");
}

static void
do_logout(struct req *r)
{
	if (!csrf_ok(r))
		return;
	ej_diary_session_end(r->dy, r->cookie_id);
	ej_diary_log(r->dy, r->addr, "logout", r->a.login);
	set_cookie(r, "ejd", "", 1);
	redirect(r, "/login");
}

/* ------------------------------------------------------------ routes */

static const char stylesheet[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.4 system-ui,-apple-system,'Segoe UI',"
    "Roboto,Arial,sans-serif;color:#1b1b1b;background:#fff}"
    "header{background:#24476b;color:#fff;padding:.5rem 1rem}"
    "header a,header button{color:#fff}"
    ".brand{margin:0;font-weight:bold}"
    ".who{margin:.25rem 0 0;font-size:.9rem}"
    "nav{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;"
    "margin-top:.25rem}"
    "nav.children{margin:.5rem 0;color:#1b1b1b}"
    "nav.children a{color:#24476b}"
    "form.inline{display:inline;margin:0}"
    "form.inline button{background:none;border:1px solid #fff;"
    "border-radius:4px;padding:.15rem .5rem;font:inherit;cursor:pointer}"
    "main{padding:1rem;max-width:60rem}"
    "h1{font-size:1.3rem;margin:.25rem 0 .75rem}"
    "h2{font-size:1.1rem;margin:1rem 0 .25rem}"
    "table{border-collapse:collapse;width:100%;margin-bottom:.5rem}"
    "th,td{border:1px solid #c8c8c8;padding:.3rem .4rem;text-align:left;"
    "vertical-align:top;overflow-wrap:anywhere}"
    "th{background:#eef2f6;font-weight:600}"
    "td.marks,td.absence{font-weight:600}"
    "section.day table{table-layout:fixed}"
    "section.day th:nth-child(1){width:18%}section.day th:nth-child(2)"
    "{width:32%}section.day th:nth-child(3){width:26%}"
    "section.day th:nth-child(4){width:14%}"
    "section.day th:nth-child(5){width:10%}"
    ".weeks{display:flex;justify-content:space-between;gap:.5rem}"
    "a{color:#24476b}"
    "label{display:block;margin-top:.75rem}"
    "input{display:block;width:100%;max-width:22rem;font:inherit;"
    "padding:.4rem;margin-top:.2rem}"
    "form button{margin-top:1rem;font:inherit;padding:.4rem 1rem}"
    ".error{color:#a00000;font-weight:600}"
    ".empty,.hint{color:#555}"
    "@media (max-width:40rem){table,thead,tbody,tr,th,td{display:block}"
    "thead{display:none}tr{border-bottom:2px solid #c8c8c8;"
    "margin-bottom:.5rem}td{border:0;padding:.1rem 0}"
    "td.subject{font-weight:600}td.homework::before{content:'ДЗ: '}"
    "td.topic::before{content:'Тема: '}"
    "td.absence::before{content:'Пропуск: '}"
    "td.marks:empty,td.absence:empty,td.topic:empty,td.homework:empty"
    "{display:none}}"
    "@media print{header nav,.weeks,form{display:none}"
    "header{background:none;color:#000}body{font-size:11pt}"
    "section.day{break-inside:avoid}}";

static void
route(struct req *r)
{
	int get = strcmp(r->method, "GET") == 0 || r->head;
	int post = strcmp(r->method, "POST") == 0;
	const char *p = r->path;
	int rc;

	if (!get && !post) {
		header(r, "Allow: GET, HEAD, POST");
		error_page(r, 405, "Метод не поддерживается");
		return;
	}
	if (strcmp(p, "/style.css") == 0 && get) {
		r->status = 200;
		fputs(stylesheet, r->b);
		return;
	}
	if (strcmp(p, "/login") == 0) {
		if (get)
			login_form(r, 200, NULL);
		else
			do_login(r);
		return;
	}
	rc = ej_diary_session_get(r->dy, r->cookie_id, &r->a, r->csrf, &r->d);
	if (rc < 0) {
		error_page(r, 500, "Дневник временно недоступен");
		return;
	}
	if (rc == 0) {
		if (post) {
			error_page(r, 403, "Сеанс завершён: войдите снова");
			return;
		}
		redirect(r, "/login");
		return;
	}
	r->have_session = 1;
	if (strcmp(p, "/logout") == 0 && post) {
		do_logout(r);
		return;
	}
	if (strcmp(p, "/password") == 0) {
		if (get)
			password_form(r, 200, NULL);
		else
			do_password(r);
		return;
	}
	if (r->a.must_change) {
		redirect(r, "/password");
		return;
	}
	if (post) {
		error_page(r, 404, "Страница не найдена");
		return;
	}
	if (strcmp(p, "/") == 0 || *p == '\0')
		redirect(r, "/week");
	else if (strcmp(p, "/week") == 0)
		page_week(r);
	else if (strcmp(p, "/period") == 0)
		page_period(r);
	else if (strcmp(p, "/help") == 0)
		page_help(r);
	else
		error_page(r, 404, "Страница не найдена");
}

/* The base path: SCRIPT_NAME without a trailing slash, from a safe set of
 * characters (it goes into links and the cookie's Path). */
static const char *
base_path(void)
{
	const char *s = getenv("SCRIPT_NAME");
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > 128 || s[0] != '/')
		return "";
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("/-_.", s[i])))
			return "";
	return strcmp(s, "/") == 0 ? "" : s;
}

int
ej_diary_cgi(const struct ej_diary_conf *c, FILE *in, FILE *out)
{
	struct req r;
	const char *v, *qs, *ck;
	char qbuf[EJ_DIARY_QUERY_MAX + 1], *body = NULL;
	long len = 0;

	memset(&r, 0, sizeof r);
	r.c = c;
	r.out = out;
	ej_diag_init(&r.d, "ej-diary", stderr);
	r.b = open_memstream(&r.body, &r.bodylen);
	if (r.b == NULL)
		return -1;
	r.method = (v = getenv("REQUEST_METHOD")) ? v : "GET";
	r.head = strcmp(r.method, "HEAD") == 0;
	r.path = (v = getenv("PATH_INFO")) && *v ? v : "/";
	r.base = base_path();
	r.addr = (v = getenv("REMOTE_ADDR")) ? v : "-";
	if (strlen(r.addr) > 64)
		r.addr = "-";
	r.https = (v = getenv("HTTPS")) && (strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0);
	qs = getenv("QUERY_STRING");
	ck = getenv("HTTP_COOKIE");
	if (strlen(r.path) > 64 || (qs && strlen(qs) > EJ_DIARY_QUERY_MAX) ||
	    (ck && strlen(ck) > EJ_DIARY_COOKIE_MAX)) {
		error_page(&r, 400, "Слишком длинный запрос");
		goto send;
	}
	snprintf(qbuf, sizeof qbuf, "%s", qs ? qs : "");
	r.nq = parse_fields(qbuf, r.q);
	cookie(ck, "ejd", r.cookie_id);
	cookie(ck, "ejd_pre", r.cookie_pre);
	if (strcmp(r.method, "POST") == 0) {
		char *end;

		v = getenv("CONTENT_LENGTH");
		len = v && *v ? strtol(v, &end, 10) : 0;
		if (v && *v && (*end || len < 0)) {
			error_page(&r, 400, "Неверный запрос");
			goto send;
		}
		if (len > EJ_DIARY_BODY_MAX) {
			error_page(&r, 413, "Слишком длинный запрос");
			goto send;
		}
		body = ej_xmalloc(len + 1);
		if ((long)fread(body, 1, len, in) != len) {
			error_page(&r, 400, "Неверный запрос");
			goto send;
		}
		body[len] = '\0';
		if (strlen(body) != (size_t)len) {
			error_page(&r, 400, "Неверный запрос");
			goto send;
		}
		r.nf = parse_fields(body, r.f);
	}
	if (ej_diary_open(&r.dy, c, &r.d) < 0) {
		error_page(&r, 500, "Дневник временно недоступен");
		goto send;
	}
	route(&r);
send:
	if (r.status == 0)
		r.status = 500;
	send_response(&r, strcmp(r.path, "/style.css") == 0 &&
	    r.status == 200 ? "text/css" : "text/html; charset=utf-8");
	/* What went wrong inside goes to the server's error log. */
	ej_diag_flush(&r.d);
	fclose(r.b);
	free(r.body);
	if (body) {
		sodium_memzero(body, len);
		free(body);
	}
	sodium_memzero(r.csrf, sizeof r.csrf);
	ej_store_close(r.s);
	ej_diary_close(r.dy);
	return 0;
}
