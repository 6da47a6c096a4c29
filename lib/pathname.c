/* pathname — names as history path components; see pathname.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "pathname.h"
#include "text.h"

/* ASCII bytes encoded wherever they are: separators (NTFS takes '\'),
 * the characters Windows refuses, '~' (8.3 short names such as "git~1",
 * "gitmod~1", "gi7eba~1"), '%' (the escape itself) and '[' (with '*'
 * and '?', a pathspec wildcard). */
static const char special[] = "%/\\:*?\"<>|~[";

/* Code points HFS+ ignores when it compares names: ".g\u200cit" is
 * ".git" there (git's is_hfs_dotgit). */
static int
hfs_ignorable(uint32_t cp)
{
	return (cp >= 0x200C && cp <= 0x200F) ||
	    (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF;
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* s[0..n) is word, ignoring ASCII case. */
static int
same_word(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

/* A Windows device name: "CON", "nul.txt", "COM1 .csv", "LPT¹". */
static int
dos_device(const char *s)
{
	static const char *const dev[] = {
		"con", "prn", "aux", "nul", "conin$", "conout$"
	};
	size_t n = strcspn(s, "."), i;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	for (i = 0; i < sizeof dev / sizeof dev[0]; i++)
		if (same_word(s, n, dev[i]))
			return 1;
	if (n < 4 || !(same_word(s, 3, "com") || same_word(s, 3, "lpt")))
		return 0;
	if (n == 4)
		return s[3] >= '0' && s[3] <= '9';
	/* superscript one, two, three */
	return n == 5 && (unsigned char)s[3] == 0xC2 &&
	    ((unsigned char)s[4] == 0xB9 || (unsigned char)s[4] == 0xB2 ||
	    (unsigned char)s[4] == 0xB3);
}

char *
ej_pathname(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(name), o = 0;
	const char *p = name, *end = name + len;
	int dev;
	char *out;

	/* Mapping never shortens a name. */
	if (len == 0 || len > EJ_PATHNAME_MAX)
		return NULL;
	dev = dos_device(name);
	out = ej_xmalloc(len * 3 + 1);
	while (p < end) {
		const char *q = p;
		uint32_t cp;
		int enc;

		if (ej_utf8_next(&q, end, &cp) < 0) {
			q = p + 1;
			enc = 1;
		} else if (cp < 0x20 || cp == 0x7F)
			enc = 1;
		else if (cp < 0x80)
			enc = strchr(special, (int)cp) != NULL ||
			    (p == name && (cp == '.' || dev)) ||
			    (q == end && (cp == '.' || cp == ' '));
		else
			enc = cp <= 0x9F || hfs_ignorable(cp);
		for (; p < q; p++)
			if (enc) {
				out[o++] = '%';
				out[o++] = hex[(unsigned char)*p >> 4];
				out[o++] = hex[(unsigned char)*p & 15];
			} else
				out[o++] = *p;
	}
	out[o] = '\0';
	if (o > EJ_PATHNAME_MAX) {
		free(out);
		return NULL;
	}
	return out;
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
ej_pathname_decode(const char *part, size_t n)
{
	char *out = ej_xmalloc(n + 1);
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++)
		if (part[i] == '%' && i + 2 < n &&
		    (h = hex_value((unsigned char)part[i + 1])) >= 0 &&
		    (l = hex_value((unsigned char)part[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else
			out[o++] = part[i];
	out[o] = '\0';
	return out;
}

char *
ej_pathname_key(const char *name)
{
	char *part = ej_pathname(name), *key;

	if (part == NULL)
		return NULL;
	/* A mapped name is valid UTF-8: fold cannot fail. */
	if ((key = ej_text_fold(part)) == NULL)
		key = ej_xstrdup(part);
	free(part);
	return key;
}

void
ej_pathname_sql(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	char *out, *msg;

	(void)argc;
	if (in == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	if ((out = ej_pathname(in)) == NULL) {
		msg = ej_xasprintf(_("the name \"%s\" cannot be a history path "
		    "(empty, or longer than %d bytes)"), in, EJ_PATHNAME_MAX);
		sqlite3_result_error(cx, msg, -1);
		free(msg);
		return;
	}
	sqlite3_result_text(cx, out, -1, free);
}
