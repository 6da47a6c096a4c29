/*
 * config — school.yaml through libyaml; see config.h and ej-school.yaml(5).
 *
 * The file is loaded whole with the libyaml document API, then walked
 * section by section in dependency order (staff before the classes that
 * name a class teacher, classes before the load, …). Every problem is
 * recorded with its node's position and the walk goes on, so that one run
 * lists them all; at the end they are reported sorted by position.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "config.h"
#include "date.h"
#include "err.h"
#include "i18n.h"
#include "pathname.h"
#include "portfolio.h"
#include "priv.h"
#include "text.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The bits of enum ej_role (who.h), by the names school.yaml uses. */
#define ROLE_ADMIN		(1u << 0)
#define ROLE_TEACHER		(1u << 2)
#define ROLE_CLASSTEACHER	(1u << 3)

static const char *const role_names[] = {
	"admin", "deputy", "teacher", "classteacher", "technician", "secretary"
};

#define ALL_PARALLELS	0xffeu		/* bits 1..11 */

/* libsodium's argon2id limits, which ej-issue-login uses. */
static const struct {
	const char *name;
	long long ops, mem;
} pwhash_levels[] = {
	{ "interactive", 2, 67108864LL },
	{ "moderate", 3, 268435456LL },
	{ "sensitive", 4, 1073741824LL },
};
#define PWHASH_OPS_MAX	4294967295LL
#define PWHASH_MEM_MAX	4398046510080LL

static const struct {
	const char *name;       /* the scheme in school.yaml and the store */
	size_t count;           /* periods in a year */
	const char *period;     /* default period name: "1 четверть" */
} schemes[] = {
	{ "quarter", 4, "четверть" },
	{ "half", 2, "полугодие" },
	{ "trimester", 3, "триместр" },
};

static const struct {
	const char *name;
	double weight;
	int deadline, written;
} default_work_types[] = {
	{ "ответ на уроке", 1, 0, 0 },
	{ "самостоятельная", 1, 3, 1 },
	{ "домашняя", 1, 3, 1 },
	{ "диктант", 1, 3, 1 },
	{ "сочинение", 1, 7, 1 },
	{ "контрольная", 2, 7, 1 },
};

/* One recorded problem, reported when the walk is over. */
struct problem {
	long line, col;
	size_t seq;
	char *msg;
};

struct ctx {
	const char *path;
	yaml_document_t *doc;
	struct ej_config *c;
	struct problem *probs;
	size_t nprobs;
	struct ej_yearctx yc;
	int have_range;         /* yc.start..yc.end is the year */
	int have_periods;       /* year.periods was read: check coverage */
	unsigned covered;       /* parallels that have a period scheme */
};

/* A key of a mapping, as take() found it. */
struct field {
	const char *key;
	int required;
	yaml_node_t *k;         /* NULL: absent */
	yaml_node_t *v;         /* NULL: absent or null */
};

#define REQ(key)	{ (key), 1, NULL, NULL }
#define OPT(key)	{ (key), 0, NULL, NULL }

/*
 * Make room for element n of an array whose capacity is the next power of
 * two at or above n (never stored).
 */
static void *
grow(void *p, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0) {
		if (n > SIZE_MAX / 2 / size)
			return ej_xrealloc(p, SIZE_MAX);	/* fails: oom */
		p = ej_xrealloc(p, (n ? n * 2 : 1) * size);
	}
	return p;
}

#define PUSH(a, n) ((a) = grow((a), (n), sizeof *(a)), \
	memset(&(a)[(n)], 0, sizeof *(a)), &(a)[(n)++])

/* Diagnostics -------------------------------------------------------- */

static long
line_of(const yaml_node_t *n)
{
	return (long)n->start_mark.line + 1;
}

static void
vreport(struct ctx *x, long line, long col, const char *where,
    const char *key, const char *fmt, va_list ap)
{
	struct problem *p;
	char *head, *body;
	va_list aq;
	int len;

	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		len = 0;
	body = ej_xmalloc((size_t)len + 1);
	vsnprintf(body, (size_t)len + 1, fmt, ap);
	if (where && key)
		head = ej_xasprintf("%s.%s: %s", where, key, body);
	else if (where || key)
		head = ej_xasprintf("%s: %s", where ? where : key, body);
	else
		head = ej_xstrdup(body);
	free(body);
	p = PUSH(x->probs, x->nprobs);
	p->line = line;
	p->col = col;
	p->seq = x->nprobs;
	p->msg = head;
}

/*
 * Record a problem at node n (NULL: no position), said of where.key,
 * either of which may be NULL.
 */
static void __attribute__((format(printf, 5, 6)))
err(struct ctx *x, const yaml_node_t *n, const char *where, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (n)
		vreport(x, (long)n->start_mark.line + 1,
		    (long)n->start_mark.column + 1, where, key, fmt, ap);
	else
		vreport(x, 0, 0, where, key, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
err_at(struct ctx *x, long line, long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(x, line, col, NULL, NULL, fmt, ap);
	va_end(ap);
}

static int
probcmp(const void *a, const void *b)
{
	const struct problem *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	if (p->col != q->col)
		return p->col < q->col ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Report the problems in file order; returns their number. */
static size_t
flush(struct ctx *x, struct ej_diag *d)
{
	size_t i, n = x->nprobs;

	qsort(x->probs, n, sizeof *x->probs, probcmp);
	for (i = 0; i < n; i++) {
		ej_error(d, EJ_EXIT_DATAERR, x->path, x->probs[i].line,
		    x->probs[i].col, "%s", x->probs[i].msg);
		free(x->probs[i].msg);
	}
	free(x->probs);
	x->probs = NULL;
	x->nprobs = 0;
	return n;
}

/* Nodes ----------------------------------------------------------------- */

static yaml_node_t *
node(struct ctx *x, int id)
{
	return yaml_document_get_node(x->doc, id);
}

static const char *
text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int
is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = text(n);
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static const char *
kind(const yaml_node_t *n)
{
	if (n == NULL || is_null(n))
		return _("nothing");
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return _("a sequence");
	case YAML_MAPPING_NODE:
		return _("a mapping");
	default:
		return _("a string");
	}
}

#define FOREACH_ITEM(x, seqn, it, v) \
	for ((it) = (seqn)->data.sequence.items.start; \
	    (it) < (seqn)->data.sequence.items.top && \
	    ((v) = node((x), *(it))) != NULL; (it)++)

static int
want_seq(struct ctx *x, yaml_node_t *n, const char *where, const char *key)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return 0;
	err(x, n, where, key, _("expected a sequence, found %s"), kind(n));
	return -1;
}

/*
 * Match the pairs of map against f[0..nf): unknown and repeated keys are
 * problems, and so is a required key that is absent or null. -1 when map
 * is not a mapping.
 */
static int
take(struct ctx *x, yaml_node_t *map, const char *where, struct field *f,
    size_t nf)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;
	size_t i;

	for (i = 0; i < nf; i++)
		f[i].k = f[i].v = NULL;
	if (map->type != YAML_MAPPING_NODE) {
		err(x, map, where, NULL, _("expected a mapping, found %s"),
		    kind(map));
		return -1;
	}
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = node(x, p->key);
		v = node(x, p->value);
		if (k->type != YAML_SCALAR_NODE) {
			err(x, k, where, NULL, _("a key must be a string, "
			    "found %s"), kind(k));
			continue;
		}
		for (i = 0; i < nf && strcmp(f[i].key, text(k)) != 0; i++)
			continue;
		if (i == nf) {
			err(x, k, where, NULL, _("unknown key \"%s\""),
			    text(k));
			continue;
		}
		if (f[i].k) {
			err(x, k, where, NULL, _("key \"%s\" is repeated "
			    "(first at line %ld)"), text(k), line_of(f[i].k));
			continue;
		}
		f[i].k = k;
		f[i].v = is_null(v) ? NULL : v;
	}
	for (i = 0; i < nf; i++) {
		if (!f[i].required)
			continue;
		if (f[i].k == NULL)
			err(x, map, where, NULL,
			    _("missing required key \"%s\""), f[i].key);
		else if (f[i].v == NULL)
			err(x, f[i].k, where, f[i].key,
			    _("a value is required"));
	}
	return 0;
}

/* Scalars --------------------------------------------------------------- */

static const char *
get_str(struct ctx *x, yaml_node_t *n, const char *where, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		err(x, n, where, key, _("expected a string, found %s"),
		    kind(n));
		return NULL;
	}
	/* a NUL, reported by check_text() */
	if (strlen(text(n)) != n->data.scalar.length)
		return NULL;
	return text(n);
}

/* A string that must not be empty or blank. */
static const char *
get_name(struct ctx *x, yaml_node_t *n, const char *where, const char *key)
{
	const char *s, *p;

	if ((s = get_str(x, n, where, key)) == NULL)
		return NULL;
	for (p = s; *p == ' ' || *p == '\t' || *p == '\n'; p++)
		continue;
	if (*p == '\0') {
		err(x, n, where, key, _("must not be empty"));
		return NULL;
	}
	return s;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = ej_xstrdup(s);
}

/* An optional string of a mapping into *dst, when present and valid. */
static void
f_str(struct ctx *x, struct field *f, const char *where, char **dst)
{
	const char *s;

	if (f->v && (s = get_str(x, f->v, where, f->key)) != NULL)
		set_str(dst, s);
}

/* An optional e-mail address (text.h's addr-spec), or an empty string. */
static void
f_email(struct ctx *x, struct field *f, const char *where, char **dst)
{
	const char *s;

	size_t off;
	uint32_t cp;

	if (f->v == NULL || (s = get_str(x, f->v, where, f->key)) == NULL)
		return;
	/* control characters: said by check_text(), not repeated raw */
	if (ej_text_check(s, strlen(s), 0, &off, &cp) < 0)
		return;
	if (*s && !ej_email_valid(s))
		err(x, f->v, where, f->key, _("\"%s\" is not an e-mail "
		    "address (name@domain.example, without spaces, quotes, "
		    "< > or commas)"), s);
	else
		set_str(dst, s);
}

/* An optional phone number: digits, spaces, + ( ) -. */
static void
f_phone(struct ctx *x, struct field *f, const char *where, char **dst)
{
	const char *s;

	size_t off;
	uint32_t cp;

	if (f->v == NULL || (s = get_str(x, f->v, where, f->key)) == NULL)
		return;
	/* control characters: said by check_text(), not repeated raw */
	if (ej_text_check(s, strlen(s), 0, &off, &cp) < 0)
		return;
	if (*s && !ej_phone_valid(s))
		err(x, f->v, where, f->key, _("\"%s\" is not a phone number "
		    "(digits, spaces, + ( ) and - only)"), s);
	else
		set_str(dst, s);
}

/* A decimal integer: 0, or -1 when s is not one, -2 when it overflows. */
static int
parse_int(const char *s, long long *out)
{
	const char *p = s;
	long long v;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE)
		return -2;
	*out = v;
	return 0;
}

static int
get_int(struct ctx *x, yaml_node_t *n, const char *where, const char *key,
    long long min, long long max, long long *out)
{
	const char *s;
	long long v;

	if (n->type != YAML_SCALAR_NODE) {
		err(x, n, where, key, _("expected an integer, found %s"),
		    kind(n));
		return -1;
	}
	s = text(n);
	switch (parse_int(s, &v)) {
	case -1:
		err(x, n, where, key, _("\"%s\" is not an integer"), s);
		return -1;
	case -2:
		err(x, n, where, key, _("%s is out of range %lld..%lld"), s,
		    min, max);
		return -1;
	}
	if (v < min || v > max) {
		err(x, n, where, key, _("%lld is out of range %lld..%lld"),
		    v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static void
f_int(struct ctx *x, struct field *f, const char *where, int min, int max,
    int *dst)
{
	long long v;

	if (f->v && get_int(x, f->v, where, f->key, min, max, &v) == 0)
		*dst = (int)v;
}

static int
get_bool(struct ctx *x, yaml_node_t *n, const char *where, const char *key,
    int *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char *s;
	size_t i;

	if (n->type == YAML_SCALAR_NODE) {
		s = text(n);
		for (i = 0; i < NELEM(yes); i++) {
			if (strcasecmp(s, yes[i]) == 0) {
				*out = 1;
				return 0;
			}
			if (strcasecmp(s, no[i]) == 0) {
				*out = 0;
				return 0;
			}
		}
		err(x, n, where, key, _("\"%s\" is not true or false"), s);
	} else
		err(x, n, where, key, _("expected true or false, found %s"),
		    kind(n));
	return -1;
}

static void
f_bool(struct ctx *x, struct field *f, const char *where, int *dst)
{
	int v;

	if (f->v && get_bool(x, f->v, where, f->key, &v) == 0)
		*dst = v;
}

/*
 * A decimal number, "4.6" or "4,60", as a double and in hundredths
 * (rounded); locale-independent, unlike strtod.
 */
static int
parse_dec(const char *s, double *out, long long *cents)
{
	const char *p = s;
	double v = 0, scale = 1;
	long long c = 0;
	int neg = 0, k;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (c > 1000000000000LL)
			return -1;
		v = v * 10 + (*p - '0');
		c = c * 10 + (*p - '0');
	}
	c *= 100;
	if (*p == '.' || *p == ',') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (k = 0; isdigit((unsigned char)*p); p++, k++) {
			scale /= 10;
			v += (*p - '0') * scale;
			if (k == 0)
				c += (*p - '0') * 10;
			else if (k == 1)
				c += *p - '0';
			else if (k == 2 && *p >= '5')
				c++;
		}
	}
	if (*p != '\0')
		return -1;
	*out = neg ? -v : v;
	if (cents)
		*cents = neg ? -c : c;
	return 0;
}

static int
get_dec(struct ctx *x, yaml_node_t *n, const char *where, const char *key,
    double *out, long long *cents)
{
	if (n->type != YAML_SCALAR_NODE) {
		err(x, n, where, key, _("expected a number, found %s"),
		    kind(n));
		return -1;
	}
	if (parse_dec(text(n), out, cents) == -1) {
		err(x, n, where, key, _("\"%s\" is not a number"), text(n));
		return -1;
	}
	return 0;
}

/* A date; inside the year when inyear and the year is known. */
static int
get_date(struct ctx *x, yaml_node_t *n, const char *where, const char *key,
    int inyear, int *out)
{
	char a[EJ_DATE_LEN], b[EJ_DATE_LEN], c[EJ_DATE_LEN];
	const char *s;
	int v;

	if ((s = get_str(x, n, where, key)) == NULL)
		return -1;
	if (ej_date_parse(s, x->yc.first_year ? &x->yc : NULL, &v) == -1) {
		err(x, n, where, key, _("\"%s\" is not a date "
		    "(YYYY-MM-DD or DD.MM.YYYY)"), s);
		return -1;
	}
	if (inyear && x->have_range && (v < x->yc.start || v > x->yc.end)) {
		ej_date_format(v, a);
		ej_date_format(x->yc.start, b);
		ej_date_format(x->yc.end, c);
		err(x, n, where, key, _("%s is outside the year %s (%s..%s)"),
		    a, x->c->year.name ? x->c->year.name : "", b, c);
		return -1;
	}
	*out = v;
	return 0;
}

static int
get_time(struct ctx *x, yaml_node_t *n, const char *where, const char *key,
    int *out)
{
	const char *s;

	if ((s = get_str(x, n, where, key)) == NULL)
		return -1;
	if (ej_time_parse(s, out) == -1) {
		err(x, n, where, key, _("\"%s\" is not a time (HH:MM)"), s);
		return -1;
	}
	return 0;
}

static int
get_weekday(struct ctx *x, yaml_node_t *n, const char *where,
    const char *key, int *out)
{
	const char *s;

	if ((s = get_str(x, n, where, key)) == NULL)
		return -1;
	if ((*out = ej_weekday_parse(s)) == -1) {
		err(x, n, where, key, _("\"%s\" is not a day of the week"), s);
		return -1;
	}
	return 0;
}

/* "5" or "1-9" into the bits of mask; -1 when not that. */
static int
parse_parallels(const char *s, unsigned *mask)
{
	const char *p = s;
	char *end;
	long a, b;

	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	a = b = strtol(p, &end, 10);
	p = end;
	while (*p == ' ')
		p++;
	if (*p == '-') {
		p++;
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		b = strtol(p, &end, 10);
		p = end;
		while (*p == ' ')
			p++;
	}
	if (*p != '\0' || a < 1 || b > 11 || a > b)
		return -1;
	for (; a <= b; a++)
		*mask |= 1u << a;
	return 0;
}

/* Parallels: 5, "1-9", or a sequence of those. */
static int
get_parallels(struct ctx *x, yaml_node_t *n, const char *where,
    const char *key, unsigned *out)
{
	yaml_node_item_t *it;
	yaml_node_t *v;
	unsigned mask = 0;
	int bad = 0;

	if (n->type == YAML_SCALAR_NODE) {
		if (parse_parallels(text(n), &mask) == -1) {
			err(x, n, where, key, _("\"%s\" is not a parallel "
			    "(1-11) or a range like 1-9"), text(n));
			return -1;
		}
		*out = mask;
		return 0;
	}
	if (want_seq(x, n, where, key) == -1)
		return -1;
	FOREACH_ITEM(x, n, it, v) {
		if (v->type != YAML_SCALAR_NODE ||
		    parse_parallels(text(v), &mask) == -1) {
			if (v->type == YAML_SCALAR_NODE)
				err(x, v, where, key, _("\"%s\" is not a "
				    "parallel (1-11) or a range like 1-9"),
				    text(v));
			else
				err(x, v, where, key, _("expected a parallel, "
				    "found %s"), kind(v));
			bad = 1;
		}
	}
	*out = mask;
	return bad ? -1 : 0;
}

static char *
fold(const char *s)
{
	char *f;

	if ((f = ej_text_fold(s)) == NULL)
		f = ej_xstrdup(s);
	return f;
}

/* Names and keys ---------------------------------------------------------- */

int
ej_class_name(const char *s, char buf[16], int *parallel, char letter[8])
{
	const char *p = s, *end;
	uint32_t cp;
	size_t n;
	int par = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		par = par * 10 + (*p++ - '0');
		if (par > 11)
			return -1;
	}
	if (par < 1)
		return -1;
	if (*p == '-' || *p == ' ')
		p++;
	end = p + strlen(p);
	if (p == end || ej_utf8_next(&p, end, &cp) == -1 || p != end)
		return -1;
	if (cp >= 0x430 && cp <= 0x44f)         /* а..я */
		cp -= 0x20;
	else if (cp == 0x451)                   /* ё */
		cp = 0x401;
	if (!((cp >= 0x410 && cp <= 0x42f) || cp == 0x401))
		return -1;
	n = ej_utf8_put(letter, cp);
	letter[n] = '\0';
	snprintf(buf, 16, "%d%s", par, letter);
	*parallel = par;
	return 0;
}

static int
valid_login(const char *s)
{
	const char *p;

	/* by hand: islower() would follow the locale */
	if (!((*s >= 'a' && *s <= 'z') || *s == '_') || strlen(s) > 32)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

long
ej_config_find_staff(const struct ej_config *c, const char *login)
{
	size_t i;

	for (i = 0; i < c->nstaff; i++)
		if (strcmp(c->staff[i].login, login) == 0)
			return (long)i;
	return -1;
}

long
ej_config_find_class(const struct ej_config *c, const char *name)
{
	char buf[16], letter[8];
	size_t i;
	int par;

	if (ej_class_name(name, buf, &par, letter) == -1)
		return -1;
	for (i = 0; i < c->nclasses; i++)
		if (strcmp(c->classes[i].name, buf) == 0)
			return (long)i;
	return -1;
}

long
ej_config_find_subject(const struct ej_config *c, const char *name)
{
	char *f;
	size_t i;
	long r = -1;

	f = fold(name);
	for (i = 0; i < c->nsubjects && r == -1; i++)
		if (strcmp(c->subjects[i].fold, f) == 0)
			r = (long)i;
	for (i = 0; i < c->nsubjects && r == -1; i++)
		if (strcmp(c->subjects[i].short_fold, f) == 0)
			r = (long)i;
	free(f);
	return r;
}

/* Look-ups that report an unknown name at n. */
static long
ref_staff(struct ctx *x, yaml_node_t *n, const char *where, const char *key)
{
	const char *s;
	long i;

	if ((s = get_name(x, n, where, key)) == NULL)
		return -1;
	if ((i = ej_config_find_staff(x->c, s)) == -1)
		err(x, n, where, key, _("unknown staff login \"%s\""), s);
	return i;
}

static long
ref_class(struct ctx *x, yaml_node_t *n, const char *where, const char *key)
{
	const char *s;
	long i;

	if ((s = get_name(x, n, where, key)) == NULL)
		return -1;
	if ((i = ej_config_find_class(x->c, s)) == -1)
		err(x, n, where, key, _("unknown class \"%s\""), s);
	return i;
}

static long
ref_subject(struct ctx *x, yaml_node_t *n, const char *where,
    const char *key)
{
	const char *s;
	long i;

	if ((s = get_name(x, n, where, key)) == NULL)
		return -1;
	if ((i = ej_config_find_subject(x->c, s)) == -1)
		err(x, n, where, key, _("unknown subject \"%s\""), s);
	return i;
}

/* school ------------------------------------------------------------------ */

static void
sec_codes(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "school.codes";
	/* the lengths each code may have; 0 ends */
	static const size_t lens[4][3] = { { 8, 10 }, { 13, 15 }, { 10, 12 },
	    { 9 } };
	struct field f[] = {
		OPT("okpo"), OPT("ogrn"), OPT("inn"), OPT("kpp")
	};
	char **dst[4];
	const char *s, *p;
	size_t i, j, len;

	dst[0] = &x->c->school.okpo;
	dst[1] = &x->c->school.ogrn;
	dst[2] = &x->c->school.inn;
	dst[3] = &x->c->school.kpp;
	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	for (i = 0; i < NELEM(f); i++) {
		if (f[i].v == NULL ||
		    (s = get_str(x, f[i].v, where, f[i].key)) == NULL)
			continue;
		for (p = s; isdigit((unsigned char)*p); p++)
			continue;
		len = (size_t)(p - s);
		for (j = 0; j < 3 && lens[i][j] && lens[i][j] != len; j++)
			continue;
		if (*p != '\0' || j == 3 || lens[i][j] == 0) {
			if (lens[i][1])
				err(x, f[i].v, where, f[i].key, _("\"%s\" is "
				    "not %zu or %zu digits"), s, lens[i][0],
				    lens[i][1]);
			else
				err(x, f[i].v, where, f[i].key, _("\"%s\" is "
				    "not %zu digits"), s, lens[i][0]);
			continue;
		}
		set_str(dst[i], s);
	}
}

static void
sec_school(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "school";
	struct field f[] = {
		REQ("id"), REQ("name"), REQ("short_name"),
		OPT("codes"), OPT("address"), OPT("phone"),
		OPT("email"), OPT("director")
	};
	struct ej_config *c = x->c;
	const char *s, *p;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	if (f[0].v && (s = get_str(x, f[0].v, where, "id")) != NULL) {
		for (p = s; (*p >= 'a' && *p <= 'z') ||
		    isdigit((unsigned char)*p) || *p == '-'; p++)
			continue;
		if (*p != '\0' || p == s)
			err(x, f[0].v, where, "id", _("\"%s\" is not an id "
			    "(lowercase ASCII letters, digits and '-')"), s);
		else
			set_str(&c->school.id, s);
	}
	if (f[1].v && (s = get_name(x, f[1].v, where, "name")) != NULL)
		set_str(&c->school.name, s);
	if (f[2].v && (s = get_name(x, f[2].v, where, "short_name")) != NULL)
		set_str(&c->school.short_name, s);
	if (f[3].v)
		sec_codes(x, f[3].v);
	f_str(x, &f[4], where, &c->school.address);
	f_phone(x, &f[5], where, &c->school.phone);
	f_email(x, &f[6], where, &c->school.email);
	f_str(x, &f[7], where, &c->school.director);
}

/* year ------------------------------------------------------------------- */

static void
say_span(int a, int b, char out[2 * EJ_DATE_LEN + 2])
{
	char s[EJ_DATE_LEN], e[EJ_DATE_LEN];

	ej_date_format(a, s);
	ej_date_format(b, e);
	snprintf(out, 2 * EJ_DATE_LEN + 2, "%s..%s", s, e);
}

/*
 * Start and end of a dated item (a period, a holiday) inside the year;
 * -1 when either is missing or wrong.
 */
static int
get_span(struct ctx *x, struct field *fs, struct field *fe, const char *where,
    int *start, int *end)
{
	char a[EJ_DATE_LEN], b[EJ_DATE_LEN];
	int bad = 0;

	if (fs->v == NULL || get_date(x, fs->v, where, "start", 1, start))
		bad = 1;
	if (fe->v == NULL || get_date(x, fe->v, where, "end", 1, end))
		bad = 1;
	if (bad)
		return -1;
	if (*end < *start) {
		ej_date_format(*start, a);
		ej_date_format(*end, b);
		err(x, fe->v, where, "end", _("%s is before the start, %s"),
		    b, a);
		return -1;
	}
	return 0;
}

static void
sec_period_list(struct ctx *x, yaml_node_t *n, struct ej_cfg_scheme *s,
    size_t expect, const char *pname, const char *where)
{
	char sa[2 * EJ_DATE_LEN + 2], sb[2 * EJ_DATE_LEN + 2];
	struct ej_cfg_period *p, *q;
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *name;
	size_t num = 0, j;
	int start, end, clash;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = { OPT("name"), REQ("start"), REQ("end") };

		num++;
		if (take(x, v, where, f, NELEM(f)) == -1)
			continue;
		name = NULL;
		if (f[0].v && (name = get_name(x, f[0].v, where, "name")) ==
		    NULL)
			continue;
		if (get_span(x, &f[1], &f[2], where, &start, &end) == -1)
			continue;
		p = PUSH(s->periods, s->nperiods);
		p->num = (int)num;
		p->start = start;
		p->end = end;
		p->name = name ? ej_xstrdup(name) :
		    ej_xasprintf("%zu %s", num, pname);
		clash = 0;
		for (j = 0; j + 1 < s->nperiods; j++) {
			q = &s->periods[j];
			if (p->start <= q->end && q->start <= p->end) {
				say_span(p->start, p->end, sa);
				say_span(q->start, q->end, sb);
				err(x, f[1].v, where, NULL, _("period \"%s\" "
				    "(%s) overlaps \"%s\" (%s)"), p->name, sa,
				    q->name, sb);
				clash = 1;
			}
		}
		q = s->nperiods > 1 ? &s->periods[s->nperiods - 2] : NULL;
		if (!clash && q && p->start < q->start)
			err(x, f[1].v, where, NULL, _("period \"%s\" comes "
			    "after \"%s\" in the list but starts before it"),
			    p->name, q->name);
	}
	if (num != expect)
		err(x, n, where, NULL, _("a %s scheme has %zu periods, "
		    "found %zu"), s->name, expect, num);
}

static void
sec_periods(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "year.periods";
	struct ej_config *c = x->c;
	struct ej_cfg_scheme *s;
	yaml_node_pair_t *p;
	yaml_node_t *k, *v, *at;
	const char *owner[12] = { NULL };
	char w[64];
	size_t i, j;
	unsigned mask;
	int par;

	if (n->type != YAML_MAPPING_NODE) {
		err(x, n, where, NULL, _("expected a mapping, found %s"),
		    kind(n));
		return;
	}
	x->have_periods = 1;
	for (p = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top; p++) {
		struct field f[] = { OPT("parallels"), REQ("list") };

		k = node(x, p->key);
		v = node(x, p->value);
		for (i = 0; i < NELEM(schemes) && (k->type !=
		    YAML_SCALAR_NODE || strcmp(text(k), schemes[i].name)); i++)
			continue;
		if (i == NELEM(schemes)) {
			err(x, k, where, NULL, _("unknown period scheme \"%s\" "
			    "(quarter, half or trimester)"),
			    k->type == YAML_SCALAR_NODE ? text(k) : "");
			continue;
		}
		for (j = 0; j < c->year.nschemes &&
		    strcmp(c->year.schemes[j].name, text(k)); j++)
			continue;
		if (j < c->year.nschemes) {
			err(x, k, where, NULL, _("scheme \"%s\" is given "
			    "twice"), text(k));
			continue;
		}
		snprintf(w, sizeof w, "%s.%s", where, schemes[i].name);
		if (take(x, v, w, f, NELEM(f)) == -1)
			continue;
		s = PUSH(c->year.schemes, c->year.nschemes);
		s->name = ej_xstrdup(schemes[i].name);
		mask = ALL_PARALLELS;
		if (f[0].v && get_parallels(x, f[0].v, w, "parallels", &mask))
			mask = 0;
		at = f[0].v ? f[0].v : k;
		for (par = 1; par <= 11; par++) {
			if (!(mask & (1u << par)))
				continue;
			if (owner[par]) {
				err(x, at, w, "parallels", _("parallel %d "
				    "already has the %s scheme"), par,
				    owner[par]);
				mask &= ~(1u << par);
			} else
				owner[par] = schemes[i].name;
		}
		s->parallels = mask;
		x->covered |= mask;
		if (f[1].v) {
			snprintf(w, sizeof w, "%s.%s.list", where,
			    schemes[i].name);
			sec_period_list(x, f[1].v, s, schemes[i].count,
			    schemes[i].period, w);
		}
	}
}

static void
sec_holidays(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "year.holidays";
	char sa[2 * EJ_DATE_LEN + 2], sb[2 * EJ_DATE_LEN + 2];
	struct ej_config *c = x->c;
	struct ej_cfg_holiday *h, *q;
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *name;
	size_t j;
	int start, end;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("name"), REQ("start"), REQ("end")
		};

		if (take(x, v, where, f, NELEM(f)) == -1)
			continue;
		name = f[0].v ? get_name(x, f[0].v, where, "name") : NULL;
		if (get_span(x, &f[1], &f[2], where, &start, &end) == -1 ||
		    name == NULL)
			continue;
		for (j = 0; j < c->year.nholidays; j++) {
			q = &c->year.holidays[j];
			if (start <= q->end && q->start <= end)
				break;
		}
		if (j < c->year.nholidays) {
			say_span(start, end, sa);
			say_span(q->start, q->end, sb);
			err(x, f[1].v, where, NULL, _("holidays \"%s\" (%s) "
			    "overlap \"%s\" (%s)"), name, sa, q->name, sb);
			continue;
		}
		h = PUSH(c->year.holidays, c->year.nholidays);
		h->name = ej_xstrdup(name);
		h->start = start;
		h->end = end;
	}
}

/* "2020-2021" → 2020; -1 when not Y-(Y+1). */
static int
parse_year_name(const char *s)
{
	int i, a = 0, b = 0;

	if (strlen(s) != 9 || s[4] != '-')
		return -1;
	for (i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)s[i]) ||
		    !isdigit((unsigned char)s[i + 5]))
			return -1;
		a = a * 10 + (s[i] - '0');
		b = b * 10 + (s[i + 5] - '0');
	}
	return b == a + 1 && a >= 1900 ? a : -1;
}

static void
sec_year(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "year";
	struct field f[] = {
		REQ("name"), OPT("start"), OPT("end"),
		REQ("periods"), OPT("holidays")
	};
	struct ej_config *c = x->c;
	char a[EJ_DATE_LEN], b[EJ_DATE_LEN];
	const char *s;
	int first = -1, start = -1, end = -1, y, m, d, ok = 1;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	if (f[0].v && (s = get_str(x, f[0].v, where, "name")) != NULL) {
		if ((first = parse_year_name(s)) == -1)
			err(x, f[0].v, where, "name", _("\"%s\" is not an "
			    "academic year like 2020-2021"), s);
		else {
			set_str(&c->year.name, s);
			c->year.first = first;
			x->yc.first_year = first;
		}
	}
	if (f[1].v) {
		if (get_date(x, f[1].v, where, "start", 0, &start) == -1)
			ok = 0;
	} else if (first != -1)
		ej_date_from_ymd(first, 9, 1, &start);
	if (f[2].v) {
		if (get_date(x, f[2].v, where, "end", 0, &end) == -1)
			ok = 0;
	} else if (first != -1)
		ej_date_from_ymd(first + 1, 5, 31, &end);
	if (ok && start != -1 && end != -1) {
		if (start >= end) {
			ej_date_format(start, a);
			ej_date_format(end, b);
			err(x, f[2].v ? f[2].v : f[1].v, where, "end",
			    _("%s is not after the start, %s"), b, a);
			ok = 0;
		}
		ej_date_to_ymd(start, &y, &m, &d);
		if (ok && first != -1 && f[1].v && y != first) {
			err(x, f[1].v, where, "start", _("the year %s "
			    "starts in %d"), c->year.name, first);
			ok = 0;
		}
		ej_date_to_ymd(end, &y, &m, &d);
		if (ok && first != -1 && f[2].v && y != first + 1) {
			err(x, f[2].v, where, "end", _("the year %s ends "
			    "in %d"), c->year.name, first + 1);
			ok = 0;
		}
		if (ok) {
			c->year.start = x->yc.start = start;
			c->year.end = x->yc.end = end;
			x->have_range = 1;
		}
	}
	if (f[3].v)
		sec_periods(x, f[3].v);
	if (f[4].v)
		sec_holidays(x, f[4].v);
}

/* marks ------------------------------------------------------------------ */

static int
intcmp_desc(const void *a, const void *b)
{
	int p = *(const int *)a, q = *(const int *)b;

	return (p < q) - (p > q);
}

static void
sec_scale(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "marks";
	struct ej_config *c = x->c;
	yaml_node_item_t *it;
	yaml_node_t *v;
	long long m;
	int seen[6] = { 0 }, scale[5];
	size_t k = 0;
	int bad = 0;

	if (want_seq(x, n, where, "scale") == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		if (get_int(x, v, where, "scale", 1, 5, &m) == -1) {
			bad = 1;
			continue;
		}
		if (seen[m]) {
			err(x, v, where, "scale", _("mark %lld is repeated"),
			    m);
			bad = 1;
			continue;
		}
		if (m == 1 && !c->marks.allow_one) {
			err(x, v, where, "scale", _("mark 1 needs "
			    "allow_one: true"));
			bad = 1;
			continue;
		}
		seen[m] = 1;
		scale[k++] = (int)m;
	}
	if (k == 0 && !bad)
		err(x, n, where, "scale", _("the scale is empty"));
	if (bad || k == 0)
		return;
	qsort(scale, k, sizeof scale[0], intcmp_desc);
	memcpy(c->marks.scale, scale, k * sizeof scale[0]);
	c->marks.nscale = k;
}

static void
sec_thresholds(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "marks.thresholds";
	struct field f[] = { OPT("5"), OPT("4"), OPT("3") };
	int *t = x->c->marks.threshold;
	long long cents;
	double v;
	size_t i;
	int bad = 0;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	for (i = 0; i < NELEM(f); i++) {
		if (f[i].v == NULL)
			continue;
		if (get_dec(x, f[i].v, where, f[i].key, &v, &cents) == -1)
			bad = 1;
		else if (cents < 100 || cents > 500) {
			err(x, f[i].v, where, f[i].key, _("%s is out of "
			    "range 1.00..5.00"), text(f[i].v));
			bad = 1;
		} else
			t[i] = (int)cents;
	}
	if (!bad && !(t[0] > t[1] && t[1] > t[2]))
		err(x, n, where, NULL, _("thresholds must descend: 5 (%d.%02d) "
		    "> 4 (%d.%02d) > 3 (%d.%02d)"), t[0] / 100, t[0] % 100,
		    t[1] / 100, t[1] % 100, t[2] / 100, t[2] % 100);
}

static void
sec_min_marks(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "marks.min_marks";
	struct field f[] = {
		OPT("quarter"), OPT("half"), OPT("trimester")
	};
	struct ej_config *c = x->c;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	f_int(x, &f[0], where, 0, 100, &c->marks.min_quarter);
	f_int(x, &f[1], where, 0, 100, &c->marks.min_half);
	f_int(x, &f[2], where, 0, 100, &c->marks.min_trimester);
}

static void
free_work_types(struct ej_config *c)
{
	size_t i;

	for (i = 0; i < c->marks.nwork_types; i++)
		free(c->marks.work_types[i].name);
	free(c->marks.work_types);
	c->marks.work_types = NULL;
	c->marks.nwork_types = 0;
}

static void
sec_work_types(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "marks.work_types";
	struct ej_config *c = x->c;
	struct ej_cfg_work_type *w;
	yaml_node_item_t *it;
	yaml_node_t *v;
	char **folds = NULL;
	const char *name;
	size_t i, nfolds = 0;
	long dflt = -1;
	double weight;
	char *fd;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	free_work_types(c);
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("name"), OPT("weight"), OPT("deadline"),
			OPT("written"), OPT("default")
		};

		if (take(x, v, where, f, NELEM(f)) == -1 || f[0].v == NULL ||
		    (name = get_name(x, f[0].v, where, "name")) == NULL)
			continue;
		fd = fold(name);
		for (i = 0; i < nfolds && strcmp(folds[i], fd); i++)
			continue;
		if (i < nfolds) {
			err(x, f[0].v, where, "name", _("duplicate work type "
			    "\"%s\" (first at line %ld)"), name,
			    c->marks.work_types[i].line);
			free(fd);
			continue;
		}
		*(char **)PUSH(folds, nfolds) = fd;
		w = PUSH(c->marks.work_types, c->marks.nwork_types);
		w->name = ej_xstrdup(name);
		w->weight = 1;
		w->line = line_of(v);
		if (f[1].v && get_dec(x, f[1].v, where, "weight", &weight,
		    NULL) == 0) {
			if (weight <= 0 || weight > 100)
				err(x, f[1].v, where, "weight", _("%s is out "
				    "of range: a weight is above 0 and at most "
				    "100"), text(f[1].v));
			else
				w->weight = weight;
		}
		f_int(x, &f[2], where, 0, 365, &w->deadline);
		f_bool(x, &f[3], where, &w->written);
		f_bool(x, &f[4], where, &w->dflt);
		if (w->dflt && dflt != -1) {
			err(x, f[4].v, where, "default", _("\"%s\" and \"%s\" "
			    "are both the default"),
			    c->marks.work_types[dflt].name, w->name);
			w->dflt = 0;
		} else if (w->dflt)
			dflt = (long)(c->marks.nwork_types - 1);
	}
	for (i = 0; i < nfolds; i++)
		free(folds[i]);
	free(folds);
	if (n->data.sequence.items.start == n->data.sequence.items.top)
		err(x, n, where, NULL, _("at least one work type is needed"));
	if (dflt == -1 && c->marks.nwork_types > 0)
		c->marks.work_types[0].dflt = 1;
}

static void
sec_marks(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "marks";
	struct field f[] = {
		OPT("scale"), OPT("allow_one"), OPT("weights"),
		OPT("thresholds"), OPT("min_marks"), OPT("work_types")
	};
	struct ej_config *c = x->c;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	f_bool(x, &f[1], where, &c->marks.allow_one);
	if (c->marks.allow_one && f[0].v == NULL)
		c->marks.scale[c->marks.nscale++] = 1;      /* 5..1 */
	if (f[0].v)
		sec_scale(x, f[0].v);
	f_bool(x, &f[2], where, &c->marks.weights);
	if (f[3].v)
		sec_thresholds(x, f[3].v);
	if (f[4].v)
		sec_min_marks(x, f[4].v);
	if (f[5].v)
		sec_work_types(x, f[5].v);
}

/* deadlines, attendance, accounts, audit ---------------------------------- */

static void
sec_deadlines(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "deadlines";
	struct field f[] = {
		OPT("topic_days"), OPT("homework_hours"),
		OPT("period_mark_grace_days"), OPT("risk_notice_days")
	};
	struct ej_config *c = x->c;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	f_int(x, &f[0], where, 0, 365, &c->deadlines.topic_days);
	f_int(x, &f[1], where, 0, 24 * 14, &c->deadlines.homework_hours);
	f_int(x, &f[2], where, 0, 365, &c->deadlines.period_mark_grace_days);
	f_int(x, &f[3], where, 0, 365, &c->deadlines.risk_notice_days);
}

static void
sec_attendance(struct ctx *x, yaml_node_t *n)
{
	struct field f[] = { OPT("day_threshold") };

	if (take(x, n, "attendance", f, NELEM(f)) == 0)
		f_int(x, &f[0], "attendance", 1, 20, &x->c->day_threshold);
}

static void
sec_audit(struct ctx *x, yaml_node_t *n)
{
	struct field f[] = { OPT("push_days"), OPT("gap_lessons"),
		OPT("average_diff") };
	long long cents;
	double v;

	if (take(x, n, "audit", f, NELEM(f)) == 0) {
		f_int(x, &f[0], "audit", 0, 3650, &x->c->push_days);
		f_int(x, &f[1], "audit", 1, 100, &x->c->gap_lessons);
		if (f[2].v && get_dec(x, f[2].v, "audit", f[2].key, &v,
		    &cents) == 0) {
			if (cents < 1 || cents > 400)
				err(x, f[2].v, "audit", f[2].key, _("%s is out "
				    "of range 0.01..4.00"), text(f[2].v));
			else
				x->c->average_diff = (int)cents;
		}
	}
}

/* A pwhash limit: a number, or the name of one of libsodium's levels. */
static void
get_pwhash(struct ctx *x, struct field *f, int mem, long long *dst)
{
	static const char *const where = "accounts";
	long long v, min = mem ? pwhash_levels[0].mem : pwhash_levels[0].ops;
	size_t i;

	if (f->v == NULL)
		return;
	if (f->v->type == YAML_SCALAR_NODE) {
		for (i = 0; i < NELEM(pwhash_levels); i++) {
			if (strcmp(text(f->v), pwhash_levels[i].name) == 0) {
				*dst = mem ? pwhash_levels[i].mem :
				    pwhash_levels[i].ops;
				return;
			}
		}
		switch (parse_int(text(f->v), &v)) {
		case -1:
			err(x, f->v, where, f->key, _("\"%s\" is neither a "
			    "number nor interactive, moderate or sensitive"),
			    text(f->v));
			return;
		case 0:
			break;
		default:
			v = min;        /* too large: get_int says so */
			break;
		}
		if (v < min) {
			err(x, f->v, where, f->key, _("%lld is below the "
			    "interactive level, %lld"), v, min);
			return;
		}
	}
	if (get_int(x, f->v, where, f->key, min,
	    mem ? PWHASH_MEM_MAX : PWHASH_OPS_MAX, &v) == 0)
		*dst = v;
}

static void
sec_accounts(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "accounts";
	struct field f[] = {
		OPT("password_length"), OPT("pwhash_ops"),
		OPT("pwhash_mem"), OPT("diary_url"), OPT("inform_days")
	};
	struct ej_config *c = x->c;
	const char *u;
	size_t i;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	f_int(x, &f[0], where, 10, 128, &c->accounts.password_length);
	get_pwhash(x, &f[1], 0, &c->accounts.pwhash_ops);
	get_pwhash(x, &f[2], 1, &c->accounts.pwhash_mem);
	f_int(x, &f[4], where, 1, 366, &c->accounts.inform_days);
	/* Printed on every slip: an http(s) address and nothing else. */
	if (f[3].v && (u = get_str(x, f[3].v, where, f[3].key)) != NULL) {
		for (i = 0; u[i] && (unsigned char)u[i] > ' ' && u[i] != 0x7f &&
		    !strchr("\"<>\\`", u[i]); i++)
			continue;
		if ((strncmp(u, "https://", 8) && strncmp(u, "http://", 7)) ||
		    u[i] || i > 200 || i < 9)
			err(x, f[3].v, where, f[3].key, _("\"%s\" is not an "
			    "http:// or https:// address"), u);
		else
			set_str(&c->accounts.diary_url, u);
	}
}

/* portfolio --------------------------------------------------------------- */

/*
 * A sequence of names into a comma-joined list (*dst, when it is valid):
 * none empty or repeated (case and ё folded), none with a comma (the list's
 * separator), the whole shorter than EJ_PF_LIST_MAX. types: each a media
 * type ej-portfolio knows, by name or MIME type, kept by its name.
 */
static void
get_list(struct ctx *x, struct field *f, const char *where, int types,
    char **dst)
{
	yaml_node_item_t *it;
	yaml_node_t *v, **nodes = NULL;
	char **folds = NULL, *out = NULL, *t, *sq;
	const char *s, *name;
	size_t i, n = 0;
	int bad = 0;

	if (f->v == NULL || want_seq(x, f->v, where, f->key) == -1)
		return;
	FOREACH_ITEM(x, f->v, it, v) {
		if ((s = get_name(x, v, where, f->key)) == NULL) {
			bad = 1;
			continue;
		}
		if (strchr(s, ',')) {
			err(x, v, where, f->key, _("\"%s\": a comma is not "
			    "allowed in an entry"), s);
			bad = 1;
			continue;
		}
		name = NULL;
		if (types && (name = ej_portfolio_type(s)) == NULL) {
			t = ej_portfolio_types_known();
			err(x, v, where, f->key, _("\"%s\" is not a media type "
			    "ej-portfolio accepts; one of: %s"), s, t);
			free(t);
			bad = 1;
			continue;
		}
		if ((sq = ej_text_squeeze(name ? name : s)) == NULL) {
			bad = 1;        /* not UTF-8: libyaml said so */
			continue;
		}
		t = ej_text_fold(sq);
		for (i = 0; i < n && strcmp(folds[i], t) != 0; i++)
			continue;
		if (i < n) {
			err(x, v, where, f->key, _("\"%s\" is repeated (first "
			    "at line %ld)"), s, line_of(nodes[i]));
			free(t);
			free(sq);
			bad = 1;
			continue;
		}
		folds = grow(folds, n, sizeof *folds);
		nodes = grow(nodes, n, sizeof *nodes);
		folds[n] = t;
		nodes[n++] = v;
		t = ej_xasprintf("%s%s%s", out ? out : "", out ? "," : "", sq);
		free(out);
		free(sq);
		out = t;
	}
	if (!bad && n == 0)
		err(x, f->v, where, f->key, _("at least one entry is needed"));
	else if (!bad && strlen(out) > EJ_PF_LIST_MAX - 1)
		err(x, f->v, where, f->key, _("the list is too long: %zu bytes "
		    "joined, at most %d"), strlen(out), EJ_PF_LIST_MAX - 1);
	else if (!bad) {
		free(*dst);
		*dst = out;
		out = NULL;
	}
	for (i = 0; i < n; i++)
		free(folds[i]);
	free(folds);
	free(nodes);
	free(out);
}

static void
sec_portfolio(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "portfolio";
	struct field f[] = {
		OPT("pupil_kinds"), OPT("staff_kinds"), OPT("levels"),
		OPT("types"), OPT("max_file_kb"), OPT("max_person_kb")
	};
	struct ej_config *c = x->c;
	int file, person;

	if (take(x, n, where, f, NELEM(f)) == -1)
		return;
	get_list(x, &f[0], where, 0, &c->portfolio.pupil_kinds);
	get_list(x, &f[1], where, 0, &c->portfolio.staff_kinds);
	get_list(x, &f[2], where, 0, &c->portfolio.levels);
	get_list(x, &f[3], where, 1, &c->portfolio.types);
	f_int(x, &f[4], where, 1, EJ_PF_MAX_FILE_KB,
	    &c->portfolio.max_file_kb);
	f_int(x, &f[5], where, 1, EJ_PF_MAX_PERSON_KB,
	    &c->portfolio.max_person_kb);
	/* One file may not be larger than a whole portfolio. */
	file = c->portfolio.max_file_kb ? c->portfolio.max_file_kb :
	    EJ_PF_DFLT_FILE_KB;
	person = c->portfolio.max_person_kb ? c->portfolio.max_person_kb :
	    EJ_PF_DFLT_PERSON_KB;
	if (file > person)
		err(x, f[5].v ? f[5].v : f[4].v, where, f[5].v ? f[5].key :
		    f[4].key, _("a file's limit, %d KiB, is above a "
		    "person's, %d KiB"), file, person);
}

/*
 * A class's or subject's name becomes a directory of the history
 * (pathname.h): it must map, and not onto the directory of an earlier one
 * (other, at other_line), even on a file system that ignores case. 0 when
 * it may, -1 (reported) otherwise; other NULL checks the name alone.
 */
static int
path_clash(struct ctx *x, yaml_node_t *n, const char *where,
    const char *name, const char *other, long other_line)
{
	char *k = ej_pathname_key(name), *o, *part;
	int rc = 0;

	if (k == NULL) {
		err(x, n, where, NULL, _("\"%s\" cannot be a directory of the "
		    "history: longer than %d bytes once encoded (ej-store(5))"),
		    name, EJ_PATHNAME_MAX);
		return -1;
	}
	if (other && (o = ej_pathname_key(other)) != NULL) {
		if (strcmp(k, o) == 0) {
			part = ej_pathname(name);
			err(x, n, where, NULL, _("\"%s\" and \"%s\" (line %ld) "
			    "would be one directory of the history, \"%s\" "
			    "(ej-store(5))"), name, other, other_line, part);
			free(part);
			rc = -1;
		}
		free(o);
	}
	free(k);
	return rc;
}

/* subjects, bells --------------------------------------------------------- */

static void
sec_subjects(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "subjects";
	struct ej_config *c = x->c;
	struct ej_cfg_subject *s;
	yaml_node_item_t *it;
	yaml_node_t *v, *nn;
	const char *name, *sh;
	size_t i;
	char *fd;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	if (n->data.sequence.items.start == n->data.sequence.items.top)
		err(x, n, where, NULL, _("at least one subject is needed"));
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("name"), OPT("short"), OPT("passfail"),
			OPT("two_marks"), OPT("subgroups")
		};

		if (v->type == YAML_SCALAR_NODE && !is_null(v)) {
			nn = v;
			f[0].v = NULL;
		} else {
			if (take(x, v, where, f, NELEM(f)) == -1 ||
			    f[0].v == NULL)
				continue;
			nn = f[0].v;
		}
		if ((name = get_name(x, nn, where, "name")) == NULL)
			continue;
		fd = fold(name);
		for (i = 0; i < c->nsubjects && strcmp(c->subjects[i].fold,
		    fd); i++)
			continue;
		if (i < c->nsubjects) {
			err(x, nn, where, NULL, _("duplicate subject \"%s\" "
			    "(first at line %ld)"), name, c->subjects[i].line);
			free(fd);
			continue;
		}
		for (i = 0; i < c->nsubjects && path_clash(x, nn, where, name,
		    c->subjects[i].name, c->subjects[i].line) == 0; i++)
			continue;
		if (i < c->nsubjects ||
		    path_clash(x, nn, where, name, NULL, 0) < 0) {
			free(fd);
			continue;
		}
		s = PUSH(c->subjects, c->nsubjects);
		s->name = ej_xstrdup(name);
		s->fold = fd;
		s->line = line_of(nn);
		s->two_marks = strcmp(fd, "русский язык") == 0 ||
		    strcmp(fd, "литература") == 0;
		if (nn != v) {
			if (f[1].v && (sh = get_name(x, f[1].v, where,
			    "short")) != NULL)
				s->short_name = ej_xstrdup(sh);
			f_bool(x, &f[2], where, &s->passfail);
			f_bool(x, &f[3], where, &s->two_marks);
			f_int(x, &f[4], where, 0, 9, &s->subgroups);
		}
		if (s->short_name == NULL)
			s->short_name = ej_xstrdup(s->name);
		s->short_fold = fold(s->short_name);
	}
}

static void
sec_bells(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "bells";
	struct ej_config *c = x->c;
	struct ej_cfg_bell *b, *prev;
	yaml_node_item_t *it;
	yaml_node_t *v;
	char t1[6], t2[6];
	int lesson, start, end;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			OPT("lesson"), REQ("start"), REQ("end")
		};

		if (take(x, v, where, f, NELEM(f)) == -1)
			continue;
		prev = c->nbells ? &c->bells[c->nbells - 1] : NULL;
		lesson = prev ? prev->lesson + 1 : 1;
		if (f[0].v) {
			lesson = -1;
			f_int(x, &f[0], where, 0, 20, &lesson);
			if (lesson == -1)
				continue;
			if (prev && lesson <= prev->lesson) {
				err(x, f[0].v, where, "lesson", _("lesson %d "
				    "comes after lesson %d"), lesson,
				    prev->lesson);
				continue;
			}
		}
		if (f[1].v == NULL || f[2].v == NULL ||
		    get_time(x, f[1].v, where, "start", &start) == -1 ||
		    get_time(x, f[2].v, where, "end", &end) == -1)
			continue;
		if (end <= start) {
			err(x, f[2].v, where, "end", _("lesson %d ends before "
			    "it starts"), lesson);
			continue;
		}
		if (prev && start < prev->end) {
			ej_time_format(start, t1);
			ej_time_format(prev->end, t2);
			err(x, f[1].v, where, "start", _("lesson %d starts at "
			    "%s, before lesson %d ends at %s"), lesson, t1,
			    prev->lesson, t2);
			continue;
		}
		b = PUSH(c->bells, c->nbells);
		b->lesson = lesson;
		b->start = start;
		b->end = end;
	}
}

/* staff, classes, load ---------------------------------------------------- */

static void
add_role(struct ctx *x, yaml_node_t *v, unsigned *roles)
{
	const char *s;
	size_t i;

	if ((s = get_str(x, v, "staff", "roles")) == NULL)
		return;
	for (i = 0; i < NELEM(role_names) && strcmp(role_names[i], s); i++)
		continue;
	if (i == NELEM(role_names))
		err(x, v, "staff", "roles", _("unknown role \"%s\" (admin, "
		    "deputy, teacher, classteacher, technician or secretary)"),
		    s);
	else
		*roles |= 1u << i;
}

/* roles: [teacher, classteacher], or one role alone. */
static void
get_roles(struct ctx *x, yaml_node_t *n, unsigned *roles)
{
	yaml_node_item_t *it;
	yaml_node_t *v;

	if (n->type == YAML_SCALAR_NODE)
		add_role(x, n, roles);
	else if (want_seq(x, n, "staff", "roles") == 0)
		FOREACH_ITEM(x, n, it, v)
			add_role(x, v, roles);
}

static void
sec_staff(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "staff";
	struct ej_config *c = x->c;
	struct ej_cfg_staff *s;
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *login;
	long i;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	if (n->data.sequence.items.start == n->data.sequence.items.top)
		err(x, n, where, NULL, _("at least one staff member is "
		    "needed"));
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("login"), REQ("surname"), REQ("name"),
			OPT("patronymic"), OPT("email"), OPT("phone"),
			OPT("position"), OPT("roles")
		};

		if (take(x, v, where, f, NELEM(f)) == -1 || f[0].v == NULL ||
		    (login = get_str(x, f[0].v, where, "login")) == NULL)
			continue;
		if (!valid_login(login)) {
			err(x, f[0].v, where, "login", _("\"%s\" is not a "
			    "Unix login (a-z, 0-9, '_', '.', '-', starting "
			    "with a letter or '_')"), login);
			continue;
		}
		if ((i = ej_config_find_staff(c, login)) != -1) {
			err(x, f[0].v, where, "login", _("duplicate staff "
			    "login \"%s\" (first at line %ld)"), login,
			    c->staff[i].line);
			continue;
		}
		s = PUSH(c->staff, c->nstaff);
		s->login = ej_xstrdup(login);
		s->line = line_of(f[0].v);
		s->surname = ej_xstrdup("");
		s->name = ej_xstrdup("");
		s->patronymic = ej_xstrdup("");
		s->email = ej_xstrdup("");
		s->phone = ej_xstrdup("");
		s->position = ej_xstrdup("");
		if (f[1].v && get_name(x, f[1].v, where, "surname"))
			set_str(&s->surname, text(f[1].v));
		if (f[2].v && get_name(x, f[2].v, where, "name"))
			set_str(&s->name, text(f[2].v));
		f_str(x, &f[3], where, &s->patronymic);
		f_email(x, &f[4], where, &s->email);
		f_phone(x, &f[5], where, &s->phone);
		f_str(x, &f[6], where, &s->position);
		if (f[7].v)
			get_roles(x, f[7].v, &s->roles);
	}
}

static void
sec_classes(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "classes";
	struct ej_config *c = x->c;
	struct ej_cfg_class *k;
	yaml_node_item_t *it;
	yaml_node_t *v, *nn;
	char name[16], letter[8];
	const char *s;
	long i, t;
	int par;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	if (n->data.sequence.items.start == n->data.sequence.items.top)
		err(x, n, where, NULL, _("at least one class is needed"));
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = { REQ("name"), OPT("teacher") };

		if (v->type == YAML_SCALAR_NODE && !is_null(v)) {
			nn = v;
			f[1].v = NULL;
		} else {
			if (take(x, v, where, f, NELEM(f)) == -1 ||
			    f[0].v == NULL)
				continue;
			nn = f[0].v;
		}
		if ((s = get_name(x, nn, where, "name")) == NULL)
			continue;
		if (ej_class_name(s, name, &par, letter) == -1) {
			err(x, nn, where, NULL, _("\"%s\" is not a class name "
			    "(a parallel 1-11 and a Cyrillic letter, like "
			    "5А)"), s);
			continue;
		}
		if ((i = ej_config_find_class(c, name)) != -1) {
			err(x, nn, where, NULL, _("duplicate class \"%s\" "
			    "(first at line %ld)"), name, c->classes[i].line);
			continue;
		}
		for (i = 0; i < (long)c->nclasses && path_clash(x, nn, where,
		    name, c->classes[i].name, c->classes[i].line) == 0; i++)
			continue;
		if (i < (long)c->nclasses)
			continue;
		t = -1;
		if (f[1].v && (t = ref_staff(x, f[1].v, where, "teacher")) !=
		    -1)
			c->staff[t].roles |= ROLE_CLASSTEACHER;
		if (x->have_periods && !(x->covered & (1u << par)))
			err(x, nn, where, NULL, _("parallel %d of %s has no "
			    "study periods (year.periods)"), par, name);
		k = PUSH(c->classes, c->nclasses);
		memcpy(k->name, name, sizeof k->name);
		memcpy(k->letter, letter, sizeof k->letter);
		k->parallel = par;
		k->teacher = t;
		k->line = line_of(nn);
	}
}

static void
sec_load(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "load";
	struct ej_config *c = x->c;
	struct ej_cfg_load *l;
	struct ej_cfg_subject *sub;
	yaml_node_item_t *it;
	yaml_node_t *v;
	long t, k, s;
	size_t i;
	int sg;
	double hours;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("teacher"), REQ("class"), REQ("subject"),
			OPT("subgroup"), OPT("hours")
		};

		if (take(x, v, where, f, NELEM(f)) == -1)
			continue;
		t = f[0].v ? ref_staff(x, f[0].v, where, "teacher") : -1;
		k = f[1].v ? ref_class(x, f[1].v, where, "class") : -1;
		s = f[2].v ? ref_subject(x, f[2].v, where, "subject") : -1;
		sg = 0;
		if (f[3].v) {
			sg = -1;
			f_int(x, &f[3], where, 0, 9, &sg);
		}
		hours = 0;
		if (f[4].v && get_dec(x, f[4].v, where, "hours", &hours,
		    NULL) == 0 && (hours < 0 || hours > 40)) {
			err(x, f[4].v, where, "hours", _("%s is out of range "
			    "0..40"), text(f[4].v));
			hours = -1;
		}
		if (t == -1 || k == -1 || s == -1 || sg == -1 || hours < 0)
			continue;
		sub = &c->subjects[s];
		if (sg > sub->subgroups) {
			if (sub->subgroups == 0)
				err(x, f[3].v, where, "subgroup", _("%s is not "
				    "taught in subgroups"), sub->name);
			else
				err(x, f[3].v, where, "subgroup", _("%s has "
				    "%d subgroups, not %d"), sub->name,
				    sub->subgroups, sg);
			continue;
		}
		for (i = 0; i < c->nload; i++) {
			l = &c->load[i];
			if (l->teacher == (size_t)t && l->cls == (size_t)k &&
			    l->subject == (size_t)s && l->subgroup == sg)
				break;
		}
		if (i < c->nload) {
			err(x, v, where, NULL, _("%s %s, %s is given twice "
			    "(first at line %ld)"), c->classes[k].name,
			    sub->name, c->staff[t].login, c->load[i].line);
			continue;
		}
		l = PUSH(c->load, c->nload);
		l->teacher = (size_t)t;
		l->cls = (size_t)k;
		l->subject = (size_t)s;
		l->subgroup = sg;
		l->hours = hours;
		l->line = line_of(v);
		/* a person with a load teaches */
		c->staff[t].roles |= ROLE_TEACHER;
	}
}

/* timetable --------------------------------------------------------------- */

/* One lesson of a day: a subject, or {subject, subgroup, room}. */
static void
tt_entry(struct ctx *x, yaml_node_t *v, const char *where, size_t cls,
    int wd, int lesson)
{
	struct ej_config *c = x->c;
	struct ej_cfg_lesson *l;
	yaml_node_t *sn;
	const char *room = "";
	size_t i;
	long s;
	int sg = 0;

	if (v->type == YAML_MAPPING_NODE) {
		struct field f[] = {
			REQ("subject"), OPT("subgroup"), OPT("room")
		};

		if (take(x, v, where, f, NELEM(f)) == -1 || f[0].v == NULL)
			return;
		sn = f[0].v;
		if (f[1].v) {
			sg = -1;
			f_int(x, &f[1], where, 0, 9, &sg);
			if (sg == -1)
				return;
		}
		if (f[2].v && (room = get_str(x, f[2].v, where, "room")) ==
		    NULL)
			return;
	} else
		sn = v;
	if ((s = ref_subject(x, sn, where, NULL)) == -1)
		return;
	if (sg > c->subjects[s].subgroups) {
		err(x, v, where, NULL, _("%s has no subgroup %d"),
		    c->subjects[s].name, sg);
		return;
	}
	for (i = 0; i < c->ntimetable; i++) {
		l = &c->timetable[i];
		if (l->cls == cls && l->weekday == wd &&
		    l->lesson == lesson && l->subgroup == sg)
			break;
	}
	if (i < c->ntimetable) {
		err(x, v, where, NULL, _("lesson %d, subgroup %d is given "
		    "twice"), lesson, sg);
		return;
	}
	l = PUSH(c->timetable, c->ntimetable);
	l->cls = cls;
	l->subject = (size_t)s;
	l->weekday = wd;
	l->lesson = lesson;
	l->subgroup = sg;
	l->room = ej_xstrdup(room);
}

static void
tt_day(struct ctx *x, yaml_node_t *n, const char *where, size_t cls, int wd)
{
	struct ej_config *c = x->c;
	yaml_node_item_t *it, *it2;
	yaml_node_t *v, *v2;
	size_t i;
	int lesson = 0;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		lesson++;
		if (is_null(v) || (v->type == YAML_SCALAR_NODE &&
		    *text(v) == '\0'))
			continue;       /* a free slot */
		for (i = 0; i < c->nbells && c->bells[i].lesson != lesson; i++)
			continue;
		if (c->nbells > 0 && i == c->nbells) {
			err(x, v, where, NULL, _("lesson %d has no bell "
			    "(bells)"), lesson);
			continue;
		}
		if (v->type == YAML_SEQUENCE_NODE) {
			/* subgroups at the same time */
			FOREACH_ITEM(x, v, it2, v2)
				tt_entry(x, v2, where, cls, wd, lesson);
		} else
			tt_entry(x, v, where, cls, wd, lesson);
	}
}

static void
sec_timetable(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "timetable";
	yaml_node_pair_t *p, *q, *r;
	yaml_node_t *k, *v, *dk;
	char w[128];
	long cls;
	int wd;

	if (n->type != YAML_MAPPING_NODE) {
		err(x, n, where, NULL, _("expected a mapping, found %s"),
		    kind(n));
		return;
	}
	for (p = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top; p++) {
		k = node(x, p->key);
		v = node(x, p->value);
		if ((cls = ref_class(x, k, where, NULL)) == -1)
			continue;
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			dk = node(x, q->key);
			if (dk->type == YAML_SCALAR_NODE &&
			    ej_config_find_class(x->c, text(dk)) == cls)
				break;
		}
		if (q < p) {
			err(x, k, where, NULL, _("class %s is given twice"),
			    x->c->classes[cls].name);
			continue;
		}
		snprintf(w, sizeof w, "%s.%s", where, x->c->classes[cls].name);
		if (is_null(v))
			continue;
		if (v->type != YAML_MAPPING_NODE) {
			err(x, v, w, NULL, _("expected a mapping, found %s"),
			    kind(v));
			continue;
		}
		for (q = v->data.mapping.pairs.start;
		    q < v->data.mapping.pairs.top; q++) {
			dk = node(x, q->key);
			if (get_weekday(x, dk, w, NULL, &wd) == -1)
				continue;
			for (r = v->data.mapping.pairs.start; r < q; r++)
				if (node(x, r->key)->type == YAML_SCALAR_NODE &&
				    ej_weekday_parse(text(node(x, r->key))) ==
				    wd)
					break;
			if (r < q) {
				err(x, dk, w, NULL, _("day \"%s\" is given "
				    "twice"), text(dk));
				continue;
			}
			snprintf(w, sizeof w, "%s.%s.%s", where,
			    x->c->classes[cls].name, text(dk));
			if (!is_null(node(x, q->value)))
				tt_day(x, node(x, q->value), w, (size_t)cls,
				    wd);
			snprintf(w, sizeof w, "%s.%s", where,
			    x->c->classes[cls].name);
		}
	}
}

/* pilot, helpdesk, plan --------------------------------------------------- */

static void
sec_helpdesk(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "helpdesk";
	struct ej_config *c = x->c;
	struct ej_cfg_help *h;
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *kd, *resp;
	int wd = 0, from = 0, to = 0, bad;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("day"), REQ("from"), REQ("to"), REQ("kind"),
			REQ("responsible")
		};

		if (take(x, v, where, f, NELEM(f)) == -1)
			continue;
		if (!f[0].v || !f[1].v || !f[2].v || !f[3].v || !f[4].v)
			continue;
		/* all three checked, each reporting its own problem */
		bad = get_weekday(x, f[0].v, where, "day", &wd);
		bad |= get_time(x, f[1].v, where, "from", &from);
		bad |= get_time(x, f[2].v, where, "to", &to);
		if (bad)
			continue;
		kd = get_name(x, f[3].v, where, "kind");
		resp = get_name(x, f[4].v, where, "responsible");
		if (kd == NULL || resp == NULL)
			continue;
		if (to <= from) {
			err(x, f[2].v, where, "to", _("%s is not after %s"),
			    text(f[2].v), text(f[1].v));
			continue;
		}
		h = PUSH(c->helpdesk, c->nhelpdesk);
		h->weekday = wd;
		h->start = from;
		h->end = to;
		h->kind = ej_xstrdup(kd);
		h->responsible = ej_xstrdup(resp);
	}
}

static void
sec_plan(struct ctx *x, yaml_node_t *n)
{
	static const char *const where = "plan";
	struct ej_config *c = x->c;
	struct ej_cfg_task *t;
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *task, *due, *resp;
	int dd, done, bad;

	if (want_seq(x, n, where, NULL) == -1)
		return;
	FOREACH_ITEM(x, n, it, v) {
		struct field f[] = {
			REQ("task"), REQ("due"), OPT("due_date"),
			REQ("responsible"), OPT("done")
		};

		if (take(x, v, where, f, NELEM(f)) == -1)
			continue;
		task = f[0].v ? get_name(x, f[0].v, where, "task") : NULL;
		due = f[1].v ? get_name(x, f[1].v, where, "due") : NULL;
		resp = f[3].v ? get_name(x, f[3].v, where, "responsible") :
		    NULL;
		dd = done = -1;
		bad = f[2].v && get_date(x, f[2].v, where, "due_date", 0,
		    &dd) == -1;
		bad |= f[4].v && get_date(x, f[4].v, where, "done", 0,
		    &done) == -1;
		if (bad || task == NULL || due == NULL || resp == NULL)
			continue;
		t = PUSH(c->plan, c->nplan);
		t->task = ej_xstrdup(task);
		t->due = ej_xstrdup(due);
		t->responsible = ej_xstrdup(resp);
		t->due_date = dd;
		t->done = done;
	}
}

/* The whole file ---------------------------------------------------------- */

static void
defaults(struct ej_config *c)
{
	static const int scale[] = { 5, 4, 3, 2 };
	struct ej_cfg_work_type *w;
	size_t i;

	c->year.start = c->year.end = -1;
	memcpy(c->marks.scale, scale, sizeof scale);
	c->marks.nscale = NELEM(scale);
	c->marks.weights = 1;
	c->marks.threshold[0] = 460;
	c->marks.threshold[1] = 360;
	c->marks.threshold[2] = 260;
	c->marks.min_quarter = 3;
	c->marks.min_half = 5;
	c->marks.min_trimester = 4;
	for (i = 0; i < NELEM(default_work_types); i++) {
		w = PUSH(c->marks.work_types, c->marks.nwork_types);
		w->name = ej_xstrdup(default_work_types[i].name);
		w->weight = default_work_types[i].weight;
		w->deadline = default_work_types[i].deadline;
		w->written = default_work_types[i].written;
		w->dflt = i == 0;
	}
	c->deadlines.topic_days = 0;
	c->deadlines.homework_hours = 1;
	c->deadlines.period_mark_grace_days = 3;
	c->deadlines.risk_notice_days = 14;
	c->day_threshold = 3;
	c->accounts.password_length = 12;
	c->accounts.inform_days = 14;
	c->accounts.pwhash_ops = pwhash_levels[0].ops;
	c->accounts.pwhash_mem = pwhash_levels[0].mem;
	c->accounts.diary_url = ej_xstrdup("");
	c->push_days = 7;
	c->gap_lessons = 3;
	c->average_diff = 100;
}

/*
 * Anchors and aliases are refused: the loader shares an aliased node, so a
 * few lines could make the walk (and the store) exponentially large, and a
 * recursive alias would make it endless. Every node but the root must have
 * exactly one parent.
 */
static int
check_aliases(struct ctx *x)
{
	yaml_node_t *n, *first = x->doc->nodes.start;
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	size_t i, count = (size_t)(x->doc->nodes.top - first);
	unsigned char *refs;
	int bad = 0;

	refs = ej_xcalloc(count + 1, 1);
	for (n = first; n < x->doc->nodes.top; n++) {
		if (n->type == YAML_SEQUENCE_NODE) {
			for (it = n->data.sequence.items.start;
			    it < n->data.sequence.items.top; it++)
				if (refs[*it] < 2)
					refs[*it]++;
		} else if (n->type == YAML_MAPPING_NODE) {
			for (p = n->data.mapping.pairs.start;
			    p < n->data.mapping.pairs.top; p++) {
				if (refs[p->key] < 2)
					refs[p->key]++;
				if (refs[p->value] < 2)
					refs[p->value]++;
			}
		}
	}
	for (i = 1; i <= count; i++) {
		if (refs[i] > (i == 1 ? 0 : 1)) {
			err(x, node(x, (int)i), NULL, NULL, _("anchors and "
			    "aliases are not supported (this node is used "
			    "again through an alias)"));
			bad = 1;
		}
	}
	free(refs);
	return bad ? -1 : 0;
}

/* The value node of key in mapping n, or NULL. */
static yaml_node_t *
lookup(struct ctx *x, yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *p;
	yaml_node_t *k;

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++)
		if ((k = node(x, p->key)) && k->type == YAML_SCALAR_NODE &&
		    strcmp(text(k), key) == 0)
			return node(x, p->value);
	return NULL;
}

/*
 * The text rule (text.h) on every scalar of the document, keys too: no
 * control character, whether typed or written as an escape ("\t",
 * "\u202E"). A plan task is the one multi-line text: it may hold LFs.
 * 0, or -1 after reporting each offending scalar at its position.
 */
static void
check_text(struct ctx *x, yaml_node_t *root)
{
	yaml_node_t *n, *plan, *task, *first = x->doc->nodes.start;
	yaml_node_item_t *it;
	unsigned char *lines;
	char what[96];
	size_t count = (size_t)(x->doc->nodes.top - first), off;
	uint32_t cp;

	lines = ej_xcalloc(count + 1, 1);
	if ((plan = lookup(x, root, "plan")) != NULL &&
	    plan->type == YAML_SEQUENCE_NODE)
		for (it = plan->data.sequence.items.start;
		    it < plan->data.sequence.items.top; it++)
			if ((task = lookup(x, node(x, *it), "task")) != NULL)
				lines[task - first] = 1;
	for (n = first; n < x->doc->nodes.top; n++) {
		if (n->type != YAML_SCALAR_NODE ||
		    ej_text_check(text(n), n->data.scalar.length,
		    lines[n - first] ? EJ_TEXT_LINES : 0, &off, &cp) == 0)
			continue;
		err(x, n, NULL, NULL, _("%s is not allowed"),
		    ej_text_problem(what, sizeof what, cp));
	}
	free(lines);
}

/*
 * Nesting beyond EJ_CONFIG_DEPTH_MAX is refused before the document is
 * loaded: libyaml's cost grows with the square of the depth (100,000
 * levels took 37 s), and no school.yaml nests more than a few levels.
 * The events are read only down to the first node too deep. 1 when it
 * was reported; a syntax error is left to the loader to report.
 */
static int
too_deep(struct ctx *x, const char *buf, size_t n)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, done = 0, found = 0;

	if (!yaml_parser_initialize(&p))
		return 0;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, n);
	while (!done && !found && yaml_parser_parse(&p, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > EJ_CONFIG_DEPTH_MAX) {
				err_at(x, (long)ev.start_mark.line + 1,
				    (long)ev.start_mark.column + 1,
				    _("nested deeper than %d levels"),
				    EJ_CONFIG_DEPTH_MAX);
				found = 1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return found;
}

static void
walk(struct ctx *x, yaml_node_t *root)
{
	enum {
		F_SCHOOL, F_YEAR, F_MARKS, F_DEADLINES, F_ATTENDANCE,
		F_ACCOUNTS, F_AUDIT, F_PORTFOLIO, F_SUBJECTS, F_BELLS, F_STAFF, F_CLASSES,
		F_LOAD, F_TIMETABLE, F_PILOT, F_HELPDESK, F_PLAN
	};
	struct field f[] = {
		REQ("school"), REQ("year"), OPT("marks"),
		OPT("deadlines"), OPT("attendance"), OPT("accounts"),
		OPT("audit"), OPT("portfolio"), REQ("subjects"),
		OPT("bells"),
		REQ("staff"), REQ("classes"), OPT("load"),
		OPT("timetable"), OPT("pilot"), OPT("helpdesk"),
		OPT("plan")
	};

	if (take(x, root, NULL, f, NELEM(f)) == -1)
		return;
	if (f[F_SCHOOL].v)
		sec_school(x, f[F_SCHOOL].v);
	if (f[F_YEAR].v)
		sec_year(x, f[F_YEAR].v);
	if (f[F_MARKS].v)
		sec_marks(x, f[F_MARKS].v);
	if (f[F_DEADLINES].v)
		sec_deadlines(x, f[F_DEADLINES].v);
	if (f[F_ATTENDANCE].v)
		sec_attendance(x, f[F_ATTENDANCE].v);
	if (f[F_ACCOUNTS].v)
		sec_accounts(x, f[F_ACCOUNTS].v);
	if (f[F_AUDIT].v)
		sec_audit(x, f[F_AUDIT].v);
	if (f[F_PORTFOLIO].v)
		sec_portfolio(x, f[F_PORTFOLIO].v);
	if (f[F_SUBJECTS].v)
		sec_subjects(x, f[F_SUBJECTS].v);
	if (f[F_BELLS].v)
		sec_bells(x, f[F_BELLS].v);
	if (f[F_STAFF].v)
		sec_staff(x, f[F_STAFF].v);
	if (f[F_CLASSES].v)
		sec_classes(x, f[F_CLASSES].v);
	if (f[F_LOAD].v)
		sec_load(x, f[F_LOAD].v);
	if (f[F_TIMETABLE].v)
		sec_timetable(x, f[F_TIMETABLE].v);
	if (f[F_PILOT].v)
		get_parallels(x, f[F_PILOT].v, "pilot", NULL, &x->c->pilot);
	if (f[F_HELPDESK].v)
		sec_helpdesk(x, f[F_HELPDESK].v);
	if (f[F_PLAN].v)
		sec_plan(x, f[F_PLAN].v);
}

/* libyaml's own complaint, with its position. */
static void
yaml_problem(struct ctx *x, const yaml_parser_t *p, const char *buf,
    size_t n)
{
	const char *s, *end;
	long line = 1, col = 1;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		err_at(x, 0, 0, _("out of memory"));
		break;
	case YAML_READER_ERROR:
		/* the reader reports a byte offset, not a mark */
		end = buf + (p->problem_offset < n ? p->problem_offset : n);
		for (s = buf; s < end; s++) {
			if (*s == '\n') {
				line++;
				col = 1;
			} else if ((*s & 0xc0) != 0x80)
				col++;
		}
		err_at(x, line, col, _("invalid YAML: %s"), p->problem);
		break;
	default:
		line = (long)p->problem_mark.line + 1;
		col = (long)p->problem_mark.column + 1;
		if (p->context)
			err_at(x, line, col,
			    _("invalid YAML: %s %s (line %ld)"), p->problem,
			    p->context, (long)p->context_mark.line + 1);
		else
			err_at(x, line, col, _("invalid YAML: %s"),
			    p->problem ? p->problem : "?");
		break;
	}
}

void
ej_config_free(struct ej_config *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	free(c->school.id);
	free(c->school.name);
	free(c->school.short_name);
	free(c->school.okpo);
	free(c->school.ogrn);
	free(c->school.inn);
	free(c->school.kpp);
	free(c->school.address);
	free(c->school.phone);
	free(c->school.email);
	free(c->school.director);
	free(c->year.name);
	for (i = 0; i < c->year.nschemes; i++) {
		for (j = 0; j < c->year.schemes[i].nperiods; j++)
			free(c->year.schemes[i].periods[j].name);
		free(c->year.schemes[i].periods);
		free(c->year.schemes[i].name);
	}
	free(c->year.schemes);
	for (i = 0; i < c->year.nholidays; i++)
		free(c->year.holidays[i].name);
	free(c->year.holidays);
	free_work_types(c);
	for (i = 0; i < c->nsubjects; i++) {
		free(c->subjects[i].name);
		free(c->subjects[i].short_name);
		free(c->subjects[i].fold);
		free(c->subjects[i].short_fold);
	}
	free(c->subjects);
	free(c->bells);
	for (i = 0; i < c->nstaff; i++) {
		free(c->staff[i].login);
		free(c->staff[i].surname);
		free(c->staff[i].name);
		free(c->staff[i].patronymic);
		free(c->staff[i].email);
		free(c->staff[i].phone);
		free(c->staff[i].position);
	}
	free(c->staff);
	free(c->classes);
	free(c->load);
	for (i = 0; i < c->ntimetable; i++)
		free(c->timetable[i].room);
	free(c->timetable);
	for (i = 0; i < c->nhelpdesk; i++) {
		free(c->helpdesk[i].kind);
		free(c->helpdesk[i].responsible);
	}
	free(c->helpdesk);
	free(c->accounts.diary_url);
	free(c->portfolio.pupil_kinds);
	free(c->portfolio.staff_kinds);
	free(c->portfolio.levels);
	free(c->portfolio.types);
	for (i = 0; i < c->nplan; i++) {
		free(c->plan[i].task);
		free(c->plan[i].due);
		free(c->plan[i].responsible);
	}
	free(c->plan);
	free(c);
}

int
ej_config_parse(struct ej_config **out, const char *name, const char *buf,
    size_t n, struct ej_diag *d)
{
	yaml_parser_t parser;
	yaml_document_t doc, more;
	yaml_node_t *root, *extra;
	struct ctx x;

	*out = NULL;
	memset(&x, 0, sizeof x);
	x.path = name;
	x.doc = &doc;
	x.c = ej_xcalloc(1, sizeof *x.c);
	defaults(x.c);
	if (!yaml_parser_initialize(&parser)) {
		ej_config_free(x.c);
		return ej_error(d, EJ_EXIT_SOFTWARE, name, 0, 0,
		    _("cannot start the YAML parser"));
	}
	if (too_deep(&x, buf, n)) {
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, n);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(&x, &parser, buf, n);
		yaml_parser_delete(&parser);
		goto fail;
	}
	if ((root = yaml_document_get_root_node(&doc)) == NULL)
		err_at(&x, 0, 0, _("the file is empty"));
	else if (check_aliases(&x) == 0) {
		check_text(&x, root);
		walk(&x, root);
	}
	/* Anything after the first document is a mistake too. */
	if (root) {
		if (!yaml_parser_load(&parser, &more))
			yaml_problem(&x, &parser, buf, n);
		else {
			if ((extra = yaml_document_get_root_node(&more)))
				err(&x, extra, NULL, NULL, _("only one YAML "
				    "document is allowed"));
			yaml_document_delete(&more);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (x.nprobs == 0) {
		*out = x.c;
		return 0;
	}
fail:
	flush(&x, d);
	ej_config_free(x.c);
	return -1;
}

int
ej_config_load(struct ej_config **out, const char *path, struct ej_diag *d)
{
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int r;

	*out = NULL;
	if ((f = ej_user_fopen(path, "r")) == NULL)
		return ej_error(d, EJ_EXIT_NOINPUT, path, 0, 0, "%s",
		    strerror(errno));
	for (;;) {
		if (cap - n < 8192) {
			if (cap > SIZE_MAX / 2) {
				fclose(f);
				free(buf);
				return ej_error(d, EJ_EXIT_DATAERR, path, 0, 0,
				    _("file too large"));
			}
			cap = cap ? cap * 2 : 65536;
			buf = ej_xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		r = ej_error(d, EJ_EXIT_IOERR, path, 0, 0, "%s",
		    strerror(errno));
		fclose(f);
		free(buf);
		return r;
	}
	fclose(f);
	r = ej_config_parse(out, path, buf, n, d);
	free(buf);
	return r;
}

/* The store --------------------------------------------------------------- */

static int
sql_error(sqlite3 *db, struct ej_diag *d)
{
	int code;

	switch (sqlite3_errcode(db)) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = EJ_EXIT_TEMPFAIL;
		break;
	case SQLITE_FULL:
	case SQLITE_IOERR:
		code = EJ_EXIT_IOERR;
		break;
	default:
		code = EJ_EXIT_SOFTWARE;
		break;
	}
	return ej_error(d, code, NULL, 0, 0, _("cannot store the school "
	    "configuration: %s"), sqlite3_errmsg(db));
}

static int
prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct ej_diag *d)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return sql_error(db, d);
	}
	return 0;
}

/*
 * Bind one row and run st: types says what each argument is: 't' text
 * (NULL binds NULL), 'i' int, 'l' long long, 'f' double, 'D' a date (int,
 * -1 binds NULL), 'T' a time (int minutes).
 */
static int
row(sqlite3 *db, sqlite3_stmt *st, struct ej_diag *d, const char *types,
    ...)
{
	char date[EJ_DATE_LEN], tm[6];
	const char *s;
	va_list ap;
	int i, v, rc = SQLITE_OK;

	va_start(ap, types);
	for (i = 1; *types && rc == SQLITE_OK; types++, i++) {
		switch (*types) {
		case 't':
			s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i, s, -1,
			    SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
			break;
		case 'i':
			rc = sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'l':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, long long));
			break;
		case 'f':
			rc = sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		case 'D':
			if ((v = va_arg(ap, int)) == -1)
				rc = sqlite3_bind_null(st, i);
			else {
				ej_date_format(v, date);
				rc = sqlite3_bind_text(st, i, date, -1,
				    SQLITE_TRANSIENT);
			}
			break;
		case 'T':
			ej_time_format(va_arg(ap, int), tm);
			rc = sqlite3_bind_text(st, i, tm, -1,
			    SQLITE_TRANSIENT);
			break;
		}
	}
	va_end(ap);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_OK)
		return sql_error(db, d);
	return 0;
}

static int
store_school(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	const struct {
		const char *key, *value;
	} kv[] = {
		{ "id", c->school.id }, { "name", c->school.name },
		{ "short_name", c->school.short_name },
		{ "okpo", c->school.okpo }, { "ogrn", c->school.ogrn },
		{ "inn", c->school.inn }, { "kpp", c->school.kpp },
		{ "address", c->school.address }, { "phone", c->school.phone },
		{ "email", c->school.email },
		{ "director", c->school.director },
	};
	sqlite3_stmt *st;
	size_t i;
	int r = 0;

	if (prep(db, "INSERT INTO school (key, value) VALUES (?, ?)", &st,
	    d) == -1)
		return -1;
	for (i = 0; i < NELEM(kv) && r == 0; i++)
		if (kv[i].value)
			r = row(db, st, d, "tt", kv[i].key, kv[i].value);
	sqlite3_finalize(st);
	return r;
}

static int
store_settings(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	struct {
		const char *key;
		long long v;
	} nums[] = {
		{ "marks.allow_one", c->marks.allow_one },
		{ "marks.weights", c->marks.weights },
		{ "marks.min.quarter", c->marks.min_quarter },
		{ "marks.min.half", c->marks.min_half },
		{ "marks.min.trimester", c->marks.min_trimester },
		{ "deadlines.topic_days", c->deadlines.topic_days },
		{ "deadlines.homework_hours", c->deadlines.homework_hours },
		{ "deadlines.period_mark_grace_days",
		    c->deadlines.period_mark_grace_days },
		{ "deadlines.risk_notice_days", c->deadlines.risk_notice_days },
		{ "attendance.day_threshold", c->day_threshold },
		{ "accounts.password_length", c->accounts.password_length },
		{ "accounts.pwhash_ops", c->accounts.pwhash_ops },
		{ "accounts.pwhash_mem", c->accounts.pwhash_mem },
		{ "accounts.inform_days", c->accounts.inform_days },
		{ "audit.push_days", c->push_days },
		{ "audit.gap_lessons", c->gap_lessons },
	};
	static const char *const tkeys[] = {
		"marks.threshold.5", "marks.threshold.4", "marks.threshold.3"
	};
	const struct {
		const char *key, *v;
	} lists[] = {
		{ "portfolio.kinds.pupil", c->portfolio.pupil_kinds },
		{ "portfolio.kinds.staff", c->portfolio.staff_kinds },
		{ "portfolio.levels", c->portfolio.levels },
		{ "portfolio.types", c->portfolio.types },
	};
	const struct {
		const char *key;
		int v;
	} kb[] = {
		{ "portfolio.max_file_kb", c->portfolio.max_file_kb },
		{ "portfolio.max_person_kb", c->portfolio.max_person_kb },
	};
	sqlite3_stmt *st;
	char buf[64];
	size_t i, k;
	int r;

	if (prep(db, "INSERT INTO settings (key, value) VALUES (?, ?)", &st,
	    d) == -1)
		return -1;
	/* numbers by hand: printf's "%f" would follow the locale */
	for (i = k = 0; i < c->marks.nscale && k + 3 < sizeof buf; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%d",
		    i ? "," : "", c->marks.scale[i]);
	r = row(db, st, d, "tt", "marks.scale", buf);
	for (i = 0; i < NELEM(tkeys) && r == 0; i++) {
		snprintf(buf, sizeof buf, "%d.%02d",
		    c->marks.threshold[i] / 100, c->marks.threshold[i] % 100);
		r = row(db, st, d, "tt", tkeys[i], buf);
	}
	for (i = 0; i < NELEM(nums) && r == 0; i++) {
		snprintf(buf, sizeof buf, "%lld", nums[i].v);
		r = row(db, st, d, "tt", nums[i].key, buf);
	}
	if (r == 0) {
		snprintf(buf, sizeof buf, "%d.%02d", c->average_diff / 100,
		    c->average_diff % 100);
		r = row(db, st, d, "tt", "audit.average_diff", buf);
	}
	if (r == 0 && *c->accounts.diary_url)
		r = row(db, st, d, "tt", "accounts.diary_url",
		    c->accounts.diary_url);
	/* The portfolio's: only what is given, ej-portfolio has defaults. */
	for (i = 0; i < NELEM(lists) && r == 0; i++)
		if (lists[i].v)
			r = row(db, st, d, "tt", lists[i].key, lists[i].v);
	for (i = 0; i < NELEM(kb) && r == 0; i++)
		if (kb[i].v) {
			snprintf(buf, sizeof buf, "%d", kb[i].v);
			r = row(db, st, d, "tt", kb[i].key, buf);
		}
	sqlite3_finalize(st);
	return r;
}

static int
store_year(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	sqlite3_stmt *y = NULL, *p = NULL, *s = NULL, *h = NULL;
	const struct ej_cfg_scheme *sc;
	const struct ej_cfg_period *pe;
	size_t i, j;
	long long id = 0;
	int r, par;

	r = prep(db, "INSERT INTO years (id, name, start, end) "
	    "VALUES (1, ?, ?, ?)", &y, d);
	if (r == 0)
		r = prep(db, "INSERT INTO periods (id, year_id, scheme, num, "
		    "name, start, end) VALUES (?, 1, ?, ?, ?, ?, ?)", &p, d);
	if (r == 0)
		r = prep(db, "INSERT INTO period_schemes (year_id, parallel, "
		    "scheme) VALUES (1, ?, ?)", &s, d);
	if (r == 0)
		r = prep(db, "INSERT INTO holidays (year_id, start, end, name) "
		    "VALUES (1, ?, ?, ?)", &h, d);
	if (r == 0)
		r = row(db, y, d, "tDD", c->year.name, c->year.start,
		    c->year.end);
	for (i = 0; i < c->year.nschemes && r == 0; i++) {
		sc = &c->year.schemes[i];
		for (j = 0; j < sc->nperiods && r == 0; j++) {
			pe = &sc->periods[j];
			r = row(db, p, d, "ltitDD", ++id, sc->name, pe->num,
			    pe->name, pe->start, pe->end);
		}
		for (par = 1; par <= 11 && r == 0; par++)
			if (sc->parallels & (1u << par))
				r = row(db, s, d, "it", par, sc->name);
	}
	for (i = 0; i < c->year.nholidays && r == 0; i++)
		r = row(db, h, d, "DDt", c->year.holidays[i].start,
		    c->year.holidays[i].end, c->year.holidays[i].name);
	sqlite3_finalize(y);
	sqlite3_finalize(p);
	sqlite3_finalize(s);
	sqlite3_finalize(h);
	return r;
}

static int
store_lists(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	const struct ej_cfg_work_type *w;
	const struct ej_cfg_subject *s;
	sqlite3_stmt *st;
	size_t i;
	int r;

	if (prep(db, "INSERT INTO work_types (id, name, weight, deadline, "
	    "written, dflt) VALUES (?, ?, ?, ?, ?, ?)", &st, d) == -1)
		return -1;
	for (i = 0, r = 0; i < c->marks.nwork_types && r == 0; i++) {
		w = &c->marks.work_types[i];
		r = row(db, st, d, "ltfiii", (long long)i + 1, w->name,
		    w->weight, w->deadline, w->written, w->dflt);
	}
	sqlite3_finalize(st);
	if (r == -1 || prep(db, "INSERT INTO subjects (id, name, short, "
	    "passfail, two_marks, subgroups) VALUES (?, ?, ?, ?, ?, ?)",
	    &st, d) == -1)
		return -1;
	for (i = 0; i < c->nsubjects && r == 0; i++) {
		s = &c->subjects[i];
		r = row(db, st, d, "lttiii", (long long)i + 1, s->name,
		    s->short_name, s->passfail, s->two_marks, s->subgroups);
	}
	sqlite3_finalize(st);
	if (r == -1 || prep(db, "INSERT INTO bells (lesson, start, end) "
	    "VALUES (?, ?, ?)", &st, d) == -1)
		return -1;
	for (i = 0; i < c->nbells && r == 0; i++)
		r = row(db, st, d, "iTT", c->bells[i].lesson,
		    c->bells[i].start, c->bells[i].end);
	sqlite3_finalize(st);
	if (r == -1 || prep(db, "INSERT INTO pilot (parallel) VALUES (?)",
	    &st, d) == -1)
		return -1;
	for (i = 1; i <= 11 && r == 0; i++)
		if (c->pilot & (1u << i))
			r = row(db, st, d, "i", (int)i);
	sqlite3_finalize(st);
	return r;
}

static int
store_people(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	const struct ej_cfg_staff *s;
	const struct ej_cfg_class *k;
	sqlite3_stmt *st, *ro = NULL;
	size_t i, j;
	int r;

	if (prep(db, "INSERT INTO staff (id, login, surname, name, "
	    "patronymic, email, phone, position) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?)", &st, d) == -1)
		return -1;
	r = prep(db, "INSERT INTO staff_roles (staff_id, role) VALUES (?, ?)",
	    &ro, d);
	for (i = 0; i < c->nstaff && r == 0; i++) {
		s = &c->staff[i];
		r = row(db, st, d, "lttttttt", (long long)i + 1, s->login,
		    s->surname, s->name, s->patronymic, s->email, s->phone,
		    s->position);
		for (j = 0; j < NELEM(role_names) && r == 0; j++)
			if (s->roles & (1u << j))
				r = row(db, ro, d, "lt", (long long)i + 1,
				    role_names[j]);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ro);
	if (r == -1 || prep(db, "INSERT INTO classes (id, year_id, name, "
	    "parallel, letter, teacher_id) VALUES (?, 1, ?, ?, ?, ?)", &st,
	    d) == -1)
		return -1;
	for (i = 0; i < c->nclasses && r == 0; i++) {
		k = &c->classes[i];
		r = k->teacher == -1 ?
		    row(db, st, d, "ltitt", (long long)i + 1, k->name,
		    k->parallel, k->letter, (const char *)NULL) :
		    row(db, st, d, "ltitl", (long long)i + 1, k->name,
		    k->parallel, k->letter, (long long)k->teacher + 1);
	}
	sqlite3_finalize(st);
	return r;
}

static int
store_school_work(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	const struct ej_cfg_load *l;
	const struct ej_cfg_lesson *t;
	const struct ej_cfg_help *h;
	const struct ej_cfg_task *p;
	sqlite3_stmt *st;
	size_t i;
	int r = 0;

	if (prep(db, "INSERT INTO load (teacher_id, class_id, subject_id, "
	    "subgroup, hours) VALUES (?, ?, ?, ?, ?)", &st, d) == -1)
		return -1;
	for (i = 0; i < c->nload && r == 0; i++) {
		l = &c->load[i];
		r = row(db, st, d, "llllf", (long long)l->teacher + 1,
		    (long long)l->cls + 1, (long long)l->subject + 1,
		    (long long)l->subgroup, l->hours);
	}
	sqlite3_finalize(st);
	if (r == -1 || prep(db, "INSERT INTO timetable (class_id, weekday, "
	    "lesson, subgroup, subject_id, room) VALUES (?, ?, ?, ?, ?, ?)",
	    &st, d) == -1)
		return -1;
	for (i = 0; i < c->ntimetable && r == 0; i++) {
		t = &c->timetable[i];
		r = row(db, st, d, "liiilt", (long long)t->cls + 1,
		    t->weekday, t->lesson, t->subgroup,
		    (long long)t->subject + 1, t->room);
	}
	sqlite3_finalize(st);
	if (r == -1 || prep(db, "INSERT INTO helpdesk (id, weekday, start, "
	    "end, kind, responsible) VALUES (?, ?, ?, ?, ?, ?)", &st,
	    d) == -1)
		return -1;
	for (i = 0; i < c->nhelpdesk && r == 0; i++) {
		h = &c->helpdesk[i];
		r = row(db, st, d, "liTTtt", (long long)i + 1, h->weekday,
		    h->start, h->end, h->kind, h->responsible);
	}
	sqlite3_finalize(st);
	if (r == -1 || prep(db, "INSERT INTO plan (id, task, due, due_date, "
	    "responsible, done) VALUES (?, ?, ?, ?, ?, ?)", &st, d) == -1)
		return -1;
	for (i = 0; i < c->nplan && r == 0; i++) {
		p = &c->plan[i];
		r = row(db, st, d, "lttDtD", (long long)i + 1, p->task,
		    p->due, p->due_date, p->responsible, p->done);
	}
	sqlite3_finalize(st);
	return r;
}

int
ej_config_store(const struct ej_config *c, sqlite3 *db, struct ej_diag *d)
{
	if (store_school(c, db, d) == -1 || store_settings(c, db, d) == -1 ||
	    store_year(c, db, d) == -1 || store_lists(c, db, d) == -1 ||
	    store_people(c, db, d) == -1 || store_school_work(c, db, d) == -1)
		return -1;
	return 0;
}

const char *
ej_config_school_id(const struct ej_config *c)
{
	return c->school.id;
}

const char *
ej_config_short_name(const struct ej_config *c)
{
	return c->school.short_name;
}

int
ej_config_has_admin(const struct ej_config *c)
{
	size_t i;

	for (i = 0; i < c->nstaff; i++)
		if (c->staff[i].roles & ROLE_ADMIN)
			return 1;
	return 0;
}
