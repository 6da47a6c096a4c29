/* Unit tests for lib/pathname.c: names as history path components. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <git2.h>
#include <git2/sys/path.h>

#include "pathname.h"
#include "text.h"

static void
maps(const char *name, const char *want)
{
	char *got = ej_pathname(name), *back;

	assert_non_null(got);
	assert_string_equal(got, want);
	back = ej_pathname_decode(got, strlen(got));
	assert_string_equal(back, name);
	free(back);
	free(got);
}

static void
test_ordinary(void **state)
{
	(void)state;
	maps("5А", "5А");
	maps("Алгебра", "Алгебра");
	maps("Русский язык", "Русский язык");
	maps("2020-2021", "2020-2021");
	maps("Физ-ра", "Физ-ра");
	maps("Рус. яз.", "Рус. яз%2E");
	maps("ИЗО (музыка)", "ИЗО (музыка)");
	maps("a.b", "a.b");
	maps("Consul", "Consul");
	maps("COM10", "COM10");
}

static void
test_hostile(void **state)
{
	(void)state;
	maps(".git", "%2Egit");
	maps(".GIT", "%2EGIT");
	maps("git~1", "git%7E1");
	maps("GIT~1", "GIT%7E1");
	maps(".", "%2E");
	maps("..", "%2E%2E");
	maps("...", "%2E.%2E");
	maps(".gitmodules", "%2Egitmodules");
	maps("gitmod~1", "gitmod%7E1");
	maps("gi7eba~9", "gi7eba%7E9");
	maps(".gitattributes", "%2Egitattributes");
	maps(".g\u200cit", "%2Eg%E2%80%8Cit");
	maps("\u200c.git", "%E2%80%8C.git");
	maps("\ufeff.git", "%EF%BB%BF.git");
	maps(".git.", "%2Egit%2E");
	maps(".git ", "%2Egit%20");
	maps(".git::$INDEX_ALLOCATION", "%2Egit%3A%3A$INDEX_ALLOCATION");
	maps("a/b", "a%2Fb");
	maps("a-b", "a-b");
	maps("a%2Fb", "a%252Fb");
	maps("%", "%25");
	maps("a\\b", "a%5Cb");
	maps("a:b*?\"<>|[", "a%3Ab%2A%3F%22%3C%3E%7C%5B");
	maps("a\tb\x7f", "a%09b%7F");
	maps("a\xc2\x85", "a%C2%85");          /* U+0085, a C1 control */
	maps("a\xff\xc3", "a%FF%C3");          /* invalid UTF-8 */
	maps("Физика.", "Физика%2E");
	maps("Химия ", "Химия%20");
	maps("CON", "%43ON");
	maps("con.txt", "%63on.txt");
	maps("Nul .csv", "%4Eul .csv");
	maps("aux", "%61ux");
	maps("COM1", "%43OM1");
	maps("lpt9", "%6Cpt9");
	maps("COM\xc2\xb9", "%43OM\xc2\xb9");
	maps("CONIN$", "%43ONIN$");
}

static void
test_limits(void **state)
{
	char buf[400];
	char *p;

	(void)state;
	assert_null(ej_pathname(""));
	memset(buf, 'a', 255);
	buf[255] = '\0';
	assert_non_null(p = ej_pathname(buf));
	assert_int_equal(strlen(p), 255);
	free(p);
	buf[255] = 'a';
	buf[256] = '\0';
	assert_null(ej_pathname(buf));
	/* 85 '%' are 255 bytes once encoded; 86 are too many */
	memset(buf, '%', 85);
	buf[85] = '\0';
	assert_non_null(p = ej_pathname(buf));
	assert_int_equal(strlen(p), 255);
	free(p);
	strcat(buf, "%");
	assert_null(ej_pathname(buf));
	/* a '%' not followed by two hex digits decodes as itself */
	p = ej_pathname_decode("a%zz%4", 6);
	assert_string_equal(p, "a%zz%4");
	free(p);
}

static void
test_key(void **state)
{
	char *a, *b;

	(void)state;
	a = ej_pathname_key("Алгебра");
	b = ej_pathname_key("АЛГЕБРА");
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = ej_pathname_key("a/b");
	b = ej_pathname_key("a-b");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	a = ej_pathname_key("a/b");
	b = ej_pathname_key("a%2fb");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	assert_null(ej_pathname_key(""));
}

/* What git or a file system would take for something else: checked on
 * every mapped name. */
static void
git_safe(const char *p)
{
	static const git_path_gitfile files[] = {
		GIT_PATH_GITFILE_GITIGNORE, GIT_PATH_GITFILE_GITMODULES,
		GIT_PATH_GITFILE_GITATTRIBUTES
	};
	static const git_path_fs fss[] = {
		GIT_PATH_FS_GENERIC, GIT_PATH_FS_NTFS, GIT_PATH_FS_HFS
	};
	size_t n = strlen(p), i, j;
	const char *q = p, *end = p + n;
	uint32_t cp;

	assert_true(n > 0 && n <= EJ_PATHNAME_MAX);
	assert_true(p[0] != '.');
	assert_true(p[n - 1] != '.' && p[n - 1] != ' ');
	assert_null(strpbrk(p, "/\\:*?\"<>|~["));
	assert_true(ej_utf8_valid(p, n));
	while (q < end) {
		assert_int_equal(ej_utf8_next(&q, end, &cp), 0);
		assert_true(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 &&
		    cp <= 0x9F));
		assert_false((cp >= 0x200C && cp <= 0x200F) ||
		    (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF);
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		for (j = 0; j < sizeof fss / sizeof fss[0]; j++)
			assert_int_equal(git_path_is_gitfile(p, n, files[i],
			    fss[j]), 0);
}

/* A small deterministic generator, so that a failure repeats. */
static uint32_t
next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
test_random(void **state)
{
	static const char *const bits[] = {
		".", " ", "~", "%", "/", "\\", "g", "i", "t", "G", "I", "T",
		"m", "o", "d", "1", "А", "я", "\u200c", "\ufeff", "\u202e",
		"git", ".git", "~1", "CON", "%2F", "\t", "\xc2\x85", "\xff",
		":", "$", "gi7eba", "gitmodules", "\xc2\xb9", "e",
	};
	uint32_t x = 2463534242u;
	char name[128], *p, *back, *k1, *k2;
	int i, j, parts;

	(void)state;
	/* the oracle knows the names it is asked about */
	assert_int_equal(git_path_is_gitfile(".gitmodules", 11,
	    GIT_PATH_GITFILE_GITMODULES, GIT_PATH_FS_GENERIC), 1);
	assert_int_equal(git_path_is_gitfile("gitmod~1", 8,
	    GIT_PATH_GITFILE_GITMODULES, GIT_PATH_FS_NTFS), 1);
	assert_int_equal(git_path_is_gitfile(".gitmodu\xe2\x80\x8cles", 14,
	    GIT_PATH_GITFILE_GITMODULES, GIT_PATH_FS_HFS), 1);
	for (i = 0; i < 50000; i++) {
		name[0] = '\0';
		parts = 1 + (int)(next(&x) % 6);
		for (j = 0; j < parts; j++)
			strcat(name, bits[next(&x) % (sizeof bits /
			    sizeof bits[0])]);
		p = ej_pathname(name);
		assert_non_null(p);
		git_safe(p);
		back = ej_pathname_decode(p, strlen(p));
		assert_string_equal(back, name);
		/* the key is the component's folding: equal components,
		 * equal keys */
		k1 = ej_pathname_key(name);
		k2 = ej_text_fold(p);
		assert_string_equal(k1, k2);
		free(k1);
		free(k2);
		free(back);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
