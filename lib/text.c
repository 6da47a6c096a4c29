/* text — UTF-8, folding, display width and transliteration; see text.h. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "text.h"

struct range {
	uint32_t lo, hi;
};

/*
 * Code points that take no column: combining marks (a name typed as
 * "и" + U+0306 instead of "й" must line up like the precomposed one),
 * zero-width spaces and joiners, direction marks, variation selectors.
 */
static const struct range zero_width[] = {
	{ 0x0300, 0x036F },	/* combining diacritical marks */
	{ 0x0483, 0x0489 },	/* combining Cyrillic */
	{ 0x1AB0, 0x1AFF },	/* combining diacritical marks extended */
	{ 0x1DC0, 0x1DFF },	/* combining diacritical marks supplement */
	{ 0x200B, 0x200F },	/* zero width space, joiners, LRM, RLM */
	{ 0x202A, 0x202E },	/* bidi embeddings */
	{ 0x2060, 0x2064 },	/* word joiner, invisible operators */
	{ 0x20D0, 0x20FF },	/* combining marks for symbols */
	{ 0xFE00, 0xFE0F },	/* variation selectors */
	{ 0xFE20, 0xFE2F },	/* combining half marks */
	{ 0xFEFF, 0xFEFF },	/* BOM / zero width no-break space */
};

/* East Asian Wide and Fullwidth: two columns in a terminal. */
static const struct range wide[] = {
	{ 0x1100, 0x115F },	/* Hangul Jamo initials */
	{ 0x231A, 0x231B },
	{ 0x2329, 0x232A },
	{ 0x2E80, 0x303E },	/* CJK radicals .. CJK symbols */
	{ 0x3041, 0x33FF },	/* kana, bopomofo, CJK compatibility */
	{ 0x3400, 0x4DBF },	/* CJK extension A */
	{ 0x4E00, 0x9FFF },	/* CJK unified ideographs */
	{ 0xA000, 0xA4CF },	/* Yi */
	{ 0xA960, 0xA97F },	/* Hangul Jamo extended A */
	{ 0xAC00, 0xD7A3 },	/* Hangul syllables */
	{ 0xF900, 0xFAFF },	/* CJK compatibility ideographs */
	{ 0xFE10, 0xFE19 },	/* vertical forms */
	{ 0xFE30, 0xFE6F },	/* CJK compatibility forms, small forms */
	{ 0xFF00, 0xFF60 },	/* fullwidth forms */
	{ 0xFFE0, 0xFFE6 },
	{ 0x1F300, 0x1F64F },	/* pictographs, emoticons */
	{ 0x1F900, 0x1F9FF },
	{ 0x20000, 0x2FFFD },	/* CJK extensions B.. */
	{ 0x30000, 0x3FFFD },
};

/*
 * ICAO Doc 9303 Part 3, lower case. The Russian letters are DOMAIN.md's
 * table; the Ukrainian, Belarusian, Serbian and Macedonian letters of the
 * same table are there so that a name such as «Ігор» does not lose a
 * letter in its login.
 */
struct translit {
	uint32_t cp;
	const char *lat;
};
static const struct translit translit_tab[] = {
	{ 0x0430, "a" },	/* а */
	{ 0x0431, "b" },	/* б */
	{ 0x0432, "v" },	/* в */
	{ 0x0433, "g" },	/* г */
	{ 0x0434, "d" },	/* д */
	{ 0x0435, "e" },	/* е */
	{ 0x0436, "zh" },	/* ж */
	{ 0x0437, "z" },	/* з */
	{ 0x0438, "i" },	/* и */
	{ 0x0439, "i" },	/* й */
	{ 0x043A, "k" },	/* к */
	{ 0x043B, "l" },	/* л */
	{ 0x043C, "m" },	/* м */
	{ 0x043D, "n" },	/* н */
	{ 0x043E, "o" },	/* о */
	{ 0x043F, "p" },	/* п */
	{ 0x0440, "r" },	/* р */
	{ 0x0441, "s" },	/* с */
	{ 0x0442, "t" },	/* т */
	{ 0x0443, "u" },	/* у */
	{ 0x0444, "f" },	/* ф */
	{ 0x0445, "kh" },	/* х */
	{ 0x0446, "ts" },	/* ц */
	{ 0x0447, "ch" },	/* ч */
	{ 0x0448, "sh" },	/* ш */
	{ 0x0449, "shch" },	/* щ */
	{ 0x044A, "ie" },	/* ъ */
	{ 0x044B, "y" },	/* ы */
	{ 0x044C, "" },		/* ь */
	{ 0x044D, "e" },	/* э */
	{ 0x044E, "iu" },	/* ю */
	{ 0x044F, "ia" },	/* я */
	{ 0x0451, "e" },	/* ё */
	{ 0x0452, "d" },	/* ђ */
	{ 0x0453, "g" },	/* ѓ */
	{ 0x0454, "ie" },	/* є */
	{ 0x0455, "dz" },	/* ѕ */
	{ 0x0456, "i" },	/* і */
	{ 0x0457, "i" },	/* ї */
	{ 0x0458, "j" },	/* ј */
	{ 0x0459, "lj" },	/* љ */
	{ 0x045A, "nj" },	/* њ */
	{ 0x045B, "c" },	/* ћ */
	{ 0x045C, "k" },	/* ќ */
	{ 0x045E, "u" },	/* ў */
	{ 0x045F, "dz" },	/* џ */
	{ 0x0491, "g" },	/* ґ */
};

int
ej_utf8_next(const char **p, const char *end, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)*p;
	size_t avail = (size_t)(end - *p), len, i;
	uint32_t c, min;

	if (avail == 0)
		return -1;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		*p += 1;
		return 0;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, min = 0x80, c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, min = 0x800, c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, min = 0x10000, c &= 0x07;
	} else
		return -1;	/* continuation byte or 0xF8..0xFF */
	if (avail < len)
		return -1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3F);
	}
	/* Overlongs would let "/" or NUL hide; surrogates are not characters. */
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	*p += len;
	return 0;
}

size_t
ej_utf8_put(char *buf, uint32_t cp)
{
	unsigned char *b = (unsigned char *)buf;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (unsigned char)(0xF0 | cp >> 18);
	b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	b[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

int
ej_utf8_valid(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	uint32_t cp;

	while (p < end)
		if (ej_utf8_next(&p, end, &cp) == -1)
			return 0;
	return 1;
}

static int
in_ranges(uint32_t cp, const struct range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return 1;
	return 0;
}

/* The text rule ------------------------------------------------------ */

static const struct range controls[] = {
	{ 0x0000, 0x001F },	/* C0 */
	{ 0x007F, 0x009F },	/* DEL, C1 */
	{ 0x061C, 0x061C },	/* arabic letter mark */
	{ 0x200E, 0x200F },	/* LRM, RLM */
	{ 0x202A, 0x202E },	/* LRE, RLE, PDF, LRO, RLO */
	{ 0x2066, 0x2069 },	/* LRI, RLI, FSI, PDI */
};

int
ej_text_is_control(uint32_t cp)
{
	return in_ranges(cp, controls, sizeof controls / sizeof controls[0]);
}

int
ej_text_check(const char *s, size_t n, int flags, size_t *off, uint32_t *cp)
{
	const char *p = s, *end = s + n, *at;
	uint32_t c;

	while (p < end) {
		at = p;
		if (ej_utf8_next(&p, end, &c) == -1) {
			*off = (size_t)(at - s);
			*cp = (uint32_t)-1;
			return -1;
		}
		if (ej_text_is_control(c) &&
		    !(c == '\n' && (flags & EJ_TEXT_LINES))) {
			*off = (size_t)(at - s);
			*cp = c;
			return -1;
		}
	}
	return 0;
}

int
ej_text_arg(struct ej_diag *d, const char *opt, const char *s)
{
	char what[96];
	size_t off;
	uint32_t cp;

	if (s == NULL || ej_text_check(s, strlen(s), 0, &off, &cp) == 0)
		return 0;
	return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
	    _("%s: %s is not allowed"), opt,
	    ej_text_problem(what, sizeof what, cp));
}

const char *
ej_text_problem(char *buf, size_t size, uint32_t cp)
{
	const char *what;

	switch (cp) {
	case (uint32_t)-1:
		snprintf(buf, size, "%s", _("invalid UTF-8"));
		return buf;
	case 0x00: what = _("NUL"); break;
	case 0x09: what = _("tab"); break;
	case 0x0A: what = _("line feed"); break;
	case 0x0D: what = _("carriage return"); break;
	case 0x7F: what = _("delete"); break;
	default:
		what = cp >= 0x0600 ? _("a bidirectional control") : NULL;
	}
	if (what)
		snprintf(buf, size, _("control character U+%04X (%s)"),
		    (unsigned)cp, what);
	else
		snprintf(buf, size, _("control character U+%04X"),
		    (unsigned)cp);
	return buf;
}

char *
ej_text_visible(const char *s)
{
	const char *p = s, *end = s + strlen(s), *at;
	char *out, *o;
	uint32_t c;

	/* "\u{XXXXX}" is the longest: 9 bytes for a byte or more */
	out = o = ej_xmalloc(9 * (size_t)(end - s) + 1);
	while (p < end) {
		at = p;
		if (ej_utf8_next(&p, end, &c) == -1) {
			o += sprintf(o, "\\x%02X", (unsigned char)*at);
			p = at + 1;
		} else if (!ej_text_is_control(c)) {
			memcpy(o, at, (size_t)(p - at));
			o += p - at;
		} else if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c == '\r')
			o += sprintf(o, "\\r");
		else if (c == '\t')
			o += sprintf(o, "\\t");
		else if (c < 0x80)
			o += sprintf(o, "\\x%02X", (unsigned)c);
		else
			o += sprintf(o, "\\u{%04X}", (unsigned)c);
	}
	*o = '\0';
	return out;
}

/* RFC 5322 atext, less what a mail header or a shell would trip on. */
static int
atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL);
}

/* A dot-atom: atoms of atext joined by single dots; its dots counted. */
static int
dot_atom(const char *s, size_t n, int *dots)
{
	size_t i;

	*dots = 0;
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
			++*dots;
		} else if (!atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int
ej_email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s), i, lab;
	int dots;

	if (at == NULL || strchr(at + 1, '@') || n > 254 ||
	    (size_t)(at - s) > 64)
		return 0;
	if (!dot_atom(s, (size_t)(at - s), &dots) ||
	    !dot_atom(at + 1, n - (size_t)(at - s) - 1, &dots) || dots == 0)
		return 0;
	/* the domain: letters, digits and hyphens between its dots */
	for (i = (size_t)(at - s) + 1, lab = 0; i <= n; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-')
				return 0;
			lab = 0;
		} else if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && lab > 0)))
			return 0;
		else
			lab++;
	}
	return 1;
}

int
ej_phone_valid(const char *s)
{
	int digits = 0;

	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (!strchr(" +()-", *s))
			return 0;
	return digits > 0;
}

/* White space as people type it into names, including what word
 * processors paste: NBSP, figure space, narrow NBSP. */
static int
is_space(uint32_t cp)
{
	switch (cp) {
	case ' ': case '\t': case '\n': case '\r': case '\v': case '\f':
	case 0x00A0: case 0x2007: case 0x202F:
		return 1;
	}
	return 0;
}

static int
is_upper(uint32_t cp)
{
	return (cp >= 'A' && cp <= 'Z') || (cp >= 0x0400 && cp <= 0x042F) ||
	    cp == 0x0490;
}

static uint32_t
to_lower(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0x0410 && cp <= 0x042F)	/* А..Я */
		return cp + 0x20;
	if (cp >= 0x0400 && cp <= 0x040F)	/* Ѐ Ё Ђ Ѓ Є Ѕ І Ї Ј Љ Њ Ћ Ќ Ѝ Ў Џ */
		return cp + 0x50;
	if (cp == 0x0490)			/* Ґ */
		return 0x0491;
	return cp;
}

/*
 * The one loop behind fold and squeeze: white space runs become one space,
 * leading and trailing ones vanish. No output is longer than its input
 * (every mapping keeps or shrinks the encoded length), so one allocation
 * of the input's size is enough.
 */
static char *
normalise(const char *s, int fold)
{
	const char *p = s, *end = s + strlen(s);
	char *out, *o;
	uint32_t cp;
	int space = 0;

	out = o = ej_xmalloc((size_t)(end - s) + 1);
	while (p < end) {
		if (ej_utf8_next(&p, end, &cp) == -1) {
			free(out);
			return NULL;
		}
		if (is_space(cp)) {
			space = o > out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		if (fold) {
			cp = to_lower(cp);
			if (cp == 0x0451)	/* ё → е */
				cp = 0x0435;
		}
		o += ej_utf8_put(o, cp);
	}
	*o = '\0';
	return out;
}

char *
ej_text_fold(const char *s)
{
	return normalise(s, 1);
}

char *
ej_text_squeeze(const char *s)
{
	return normalise(s, 0);
}

static size_t
cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return 0;
	if (cp < 0x300)
		return 1;
	if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

size_t
ej_text_width(const char *s)
{
	const char *p = s, *end = s + strlen(s);
	uint32_t cp;
	size_t w = 0;

	while (p < end) {
		/* A stray byte shows as one replacement glyph. */
		if (ej_utf8_next(&p, end, &cp) == -1) {
			p++;
			w++;
			continue;
		}
		w += cp_width(cp);
	}
	return w;
}

void
ej_text_pad(FILE *f, const char *s, size_t width, int right)
{
	size_t w = ej_text_width(s), pad;

	pad = w < width ? width - w : 0;
	if (!right)
		fputs(s, f);
	while (pad-- > 0)
		putc(' ', f);
	if (right)
		fputs(s, f);
}

static const char *
translit_lookup(uint32_t lower)
{
	size_t lo = 0, hi = sizeof translit_tab / sizeof translit_tab[0], mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (translit_tab[mid].cp == lower)
			return translit_tab[mid].lat;
		if (translit_tab[mid].cp < lower)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The code points after and before a position, or 0 at either end or next
 * to invalid bytes: only the case of a multi-letter expansion needs them.
 */
static uint32_t
peek_next(const char *p, const char *end)
{
	uint32_t cp;

	if (ej_utf8_next(&p, end, &cp) == -1)
		return 0;
	return cp;
}

static uint32_t
peek_prev(const char *start, const char *p)
{
	const char *q = p;
	uint32_t cp;

	/* Back over continuation bytes to a lead byte, at most 4 bytes. */
	while (q > start && p - q < 4) {
		q--;
		if (((unsigned char)*q & 0xC0) != 0x80)
			break;
	}
	if (q == p || ej_utf8_next(&q, p, &cp) == -1 || q != p)
		return 0;
	return cp;
}

char *
ej_translit(const char *s)
{
	const char *p = s, *end = s + strlen(s), *at, *lat;
	char *out, *o;
	uint32_t cp, prev, next;
	size_t i, n;
	int all_caps;

	/* The longest expansion, "shch", is 4 bytes for a 2-byte letter. */
	out = o = ej_xmalloc(2 * (size_t)(end - s) + 1);
	while (p < end) {
		at = p;
		if (ej_utf8_next(&p, end, &cp) == -1) {
			/* Keep the output valid UTF-8. */
			*o++ = '?';
			p = at + 1;
			continue;
		}
		lat = translit_lookup(to_lower(cp));
		if (lat == NULL) {
			o += ej_utf8_put(o, cp);
			continue;
		}
		n = strlen(lat);
		if (!is_upper(cp)) {
			memcpy(o, lat, n);
			o += n;
			continue;
		}
		/*
		 * A capital: "Жук" → "Zhuk", but in a word in capitals
		 * "ЖУК" → "ZHUK", "ПЛАЩ" → "PLASHCH". A neighbouring capital
		 * letter tells which one the writer meant.
		 */
		prev = peek_prev(s, at);
		next = peek_next(p, end);
		all_caps = is_upper(prev) || is_upper(next);
		for (i = 0; i < n; i++) {
			if (i == 0 || all_caps)
				*o++ = (char)(lat[i] - 'a' + 'A');
			else
				*o++ = lat[i];
		}
	}
	*o = '\0';
	return out;
}

static int
is_hyphen(uint32_t cp)
{
	/* ASCII hyphen-minus, Unicode hyphens and the dashes people type. */
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2014) || cp == 0x2212;
}

/*
 * Append the login form of one name part to o: lowercase a-z, one '-'
 * where a hyphen stood between letters; everything else is dropped.
 * Returns the new end, or NULL when the part has no letter at all.
 */
static char *
login_part(char *o, const char *part)
{
	char *lat = ej_translit(part), *start = o;
	const char *p = lat, *end = lat + strlen(lat);
	uint32_t cp;
	int hyphen = 0;

	while (p < end) {
		if (ej_utf8_next(&p, end, &cp) == -1) {
			p++;
			continue;
		}
		if (is_hyphen(cp)) {
			hyphen = 1;
			continue;
		}
		if (cp >= 'A' && cp <= 'Z')
			cp += 0x20;
		if (cp < 'a' || cp > 'z')
			continue;	/* apostrophes, spaces, other scripts */
		if (hyphen && o > start)
			*o++ = '-';
		hyphen = 0;
		*o++ = (char)cp;
	}
	free(lat);
	return o > start ? o : NULL;
}

char *
ej_login_from_name(const char *surname, const char *name)
{
	char *out, *o;

	/* Each part's login is at most twice its length (see ej_translit). */
	out = o = ej_xmalloc(2 * (strlen(surname) + strlen(name)) + 2);
	if ((o = login_part(o, surname)) == NULL)
		goto fail;
	*o++ = '.';
	if ((o = login_part(o, name)) == NULL)
		goto fail;
	*o = '\0';
	return out;
fail:
	free(out);
	return NULL;
}
