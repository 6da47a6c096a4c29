/* Unit tests for lib/text.c: UTF-8, folding, width, translit, logins. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text.h"

/* Decode all of s, expecting exactly one code point cp. */
static void
decode_one(const char *s, size_t n, uint32_t want)
{
	const char *p = s;
	uint32_t cp = 0;

	assert_int_equal(ej_utf8_next(&p, s + n, &cp), 0);
	assert_int_equal(cp, want);
	assert_ptr_equal(p, s + n);
}

static void
decode_bad(const char *s, size_t n)
{
	const char *p = s;
	uint32_t cp = 0xABCD;

	assert_int_equal(ej_utf8_next(&p, s + n, &cp), -1);
	/* A failed decode leaves the position alone. */
	assert_ptr_equal(p, s);
	assert_int_equal(ej_utf8_valid(s, n), 0);
}

static void
test_utf8_next(void **state)
{
	(void)state;
	decode_one("A", 1, 'A');
	decode_one("\0", 1, 0);
	decode_one("\x7F", 1, 0x7F);
	decode_one("\xC2\x80", 2, 0x80);
	decode_one("\xD0\x96", 2, 0x0416);		/* Ж */
	decode_one("\xDF\xBF", 2, 0x7FF);
	decode_one("\xE0\xA0\x80", 3, 0x800);
	decode_one("\xED\x9F\xBF", 3, 0xD7FF);		/* just below surrogates */
	decode_one("\xEE\x80\x80", 3, 0xE000);		/* just above */
	decode_one("\xEF\xBF\xBF", 3, 0xFFFF);
	decode_one("\xF0\x90\x80\x80", 4, 0x10000);
	decode_one("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);
}

static void
test_utf8_invalid(void **state)
{
	const char *p;
	uint32_t cp;

	(void)state;
	decode_bad("\xC0\x80", 2);		/* overlong NUL */
	decode_bad("\xC1\xBF", 2);		/* overlong 0x7F */
	decode_bad("\xE0\x80\x80", 3);		/* overlong, 3 bytes */
	decode_bad("\xE0\x9F\xBF", 3);		/* overlong 0x7FF */
	decode_bad("\xF0\x80\x80\x80", 4);	/* overlong, 4 bytes */
	decode_bad("\xF0\x8F\xBF\xBF", 4);	/* overlong 0xFFFF */
	decode_bad("\xED\xA0\x80", 3);		/* surrogate D800 */
	decode_bad("\xED\xBF\xBF", 3);		/* surrogate DFFF */
	decode_bad("\xF4\x90\x80\x80", 4);	/* 0x110000 */
	decode_bad("\xF5\x80\x80\x80", 4);
	decode_bad("\xF8\x88\x80\x80\x80", 5);
	decode_bad("\xFF", 1);
	decode_bad("\xFE", 1);
	decode_bad("\x80", 1);			/* lone continuation */
	decode_bad("\xBF", 1);
	decode_bad("\xD0", 1);			/* truncated */
	decode_bad("\xE2\x82", 2);
	decode_bad("\xF0\x9F\x98", 3);
	decode_bad("\xD0\x41", 2);		/* continuation missing */
	decode_bad("\xE2\x41\xAC", 3);
	/* Truncated by end even though the string goes on. */
	p = "\xD0\x96";
	assert_int_equal(ej_utf8_next(&p, p + 1, &cp), -1);
	/* Nothing to decode. */
	p = "";
	assert_int_equal(ej_utf8_next(&p, p, &cp), -1);
}

static void
test_utf8_put_roundtrip(void **state)
{
	char buf[4];
	const char *p;
	uint32_t cp, back;
	size_t n;

	(void)state;
	/* Every scalar value encodes and decodes to itself. */
	for (cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp == 0xD800)
			cp = 0xE000;
		n = ej_utf8_put(buf, cp);
		assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 :
		    cp < 0x10000 ? 3 : 4);
		p = buf;
		assert_int_equal(ej_utf8_next(&p, buf + n, &back), 0);
		assert_int_equal(back, cp);
		assert_ptr_equal(p, buf + n);
	}
	n = ej_utf8_put(buf, 0x0401);			/* Ё */
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "\xD0\x81", 2);
}

static void
test_utf8_valid(void **state)
{
	const char *s = "Пётр Иванов, 5А — 漢字 😀";

	(void)state;
	assert_int_equal(ej_utf8_valid(s, strlen(s)), 1);
	assert_int_equal(ej_utf8_valid("", 0), 1);
	/* Cutting in the middle of Ё makes it invalid. */
	assert_int_equal(ej_utf8_valid("Пё", 3), 0);
	assert_int_equal(ej_utf8_valid("ab\xC0\x80" "cd", 6), 0);
	assert_int_equal(ej_utf8_valid("ab\xED\xA0\x80", 5), 0);
}

static void
fold_is(const char *in, const char *want)
{
	char *s = ej_text_fold(in);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void
test_fold(void **state)
{
	(void)state;
	fold_is("ЁЛКИ  Пётр", "елки петр");
	fold_is("ИВАНОВ Иван ИВАНОВИЧ", "иванов иван иванович");
	fold_is("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
	    "абвгдеежзийклмнопрстуфхцчшщъыьэюя");
	fold_is("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
	    "абвгдеежзийклмнопрстуфхцчшщъыьэюя");
	fold_is("ЄІЇҐЎЂЃЅЈЉЊЋЌЍЏЀ", "єіїґўђѓѕјљњћќѝџѐ");
	fold_is("Smith JOHN", "smith john");
	fold_is("5А", "5а");
	fold_is("  \t Пётр\r\n\tИванов \n", "петр иванов");
	/* NBSP, figure space, narrow NBSP count as white space. */
	fold_is("\xC2\xA0Пётр\xC2\xA0\xE2\x80\x87\xE2\x80\xAFИванов\xE2\x80\xAF",
	    "петр иванов");
	fold_is("", "");
	fold_is(" \t\xC2\xA0 ", "");
	/* Other scripts and punctuation pass through untouched. */
	fold_is("Æ Ω 漢字 — №5", "Æ Ω 漢字 — №5");
	assert_null(ej_text_fold("Пётр\xC0\x80"));
	assert_null(ej_text_fold("\xED\xA0\x80"));
	assert_null(ej_text_fold("Пётр\xD0"));
}

static void
test_squeeze(void **state)
{
	char *s;

	(void)state;
	s = ej_text_squeeze("  Пётр \xC2\xA0 ИВАНОВ\t");
	assert_non_null(s);
	assert_string_equal(s, "Пётр ИВАНОВ");
	free(s);
	s = ej_text_squeeze("a\n\nb");
	assert_string_equal(s, "a b");
	free(s);
	s = ej_text_squeeze("   ");
	assert_string_equal(s, "");
	free(s);
	assert_null(ej_text_squeeze("a\xC0\x80"));
	assert_null(ej_text_squeeze("\xE2\x82"));
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(ej_text_width(""), 0);
	assert_int_equal(ej_text_width("abc"), 3);
	/* Letters, not bytes: 6 letters are 12 bytes. */
	assert_int_equal(strlen("Иванов"), 12);
	assert_int_equal(ej_text_width("Иванов"), 6);
	assert_int_equal(ej_text_width("Пётр Иванов"), 11);
	assert_int_equal(ej_text_width("5А"), 2);
	/* и + combining breve is one column, like й. */
	assert_int_equal(ej_text_width("\xD0\xB8\xCC\x86"), 1);
	assert_int_equal(ej_text_width("й"), 1);
	assert_int_equal(ej_text_width("漢字"), 4);
	assert_int_equal(ej_text_width("ｱ"), 1);	/* halfwidth katakana */
	assert_int_equal(ej_text_width("Ａ"), 2);	/* fullwidth A */
	assert_int_equal(ej_text_width("a\tb\x7F"), 2);
	assert_int_equal(ej_text_width("—№"), 2);
	/* A stray byte takes one column. */
	assert_int_equal(ej_text_width("a\xFF" "b"), 3);
}

static char *
pad(const char *s, size_t width, int right)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ej_text_pad(f, s, width, right);
	fclose(f);
	return buf;
}

static void
test_pad(void **state)
{
	char *s;

	(void)state;
	s = pad("Иванов", 8, 0);
	assert_string_equal(s, "Иванов  ");
	free(s);
	s = pad("Иванов", 8, 1);
	assert_string_equal(s, "  Иванов");
	free(s);
	s = pad("5", 3, 1);
	assert_string_equal(s, "  5");
	free(s);
	/* Longer than the width: written whole, no padding. */
	s = pad("Константинопольский", 5, 0);
	assert_string_equal(s, "Константинопольский");
	free(s);
	s = pad("", 2, 0);
	assert_string_equal(s, "  ");
	free(s);
	s = pad("漢", 3, 0);
	assert_string_equal(s, "漢 ");
	free(s);
}

static void
translit_is(const char *in, const char *want)
{
	char *s = ej_translit(in);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

/* DOMAIN.md's table, in the order of the alphabet. */
static const struct {
	const char *lower, *upper, *lat;
} letters[33] = {
	{ "а", "А", "a" }, { "б", "Б", "b" }, { "в", "В", "v" },
	{ "г", "Г", "g" }, { "д", "Д", "d" }, { "е", "Е", "e" },
	{ "ё", "Ё", "e" }, { "ж", "Ж", "zh" }, { "з", "З", "z" },
	{ "и", "И", "i" }, { "й", "Й", "i" }, { "к", "К", "k" },
	{ "л", "Л", "l" }, { "м", "М", "m" }, { "н", "Н", "n" },
	{ "о", "О", "o" }, { "п", "П", "p" }, { "р", "Р", "r" },
	{ "с", "С", "s" }, { "т", "Т", "t" }, { "у", "У", "u" },
	{ "ф", "Ф", "f" }, { "х", "Х", "kh" }, { "ц", "Ц", "ts" },
	{ "ч", "Ч", "ch" }, { "ш", "Ш", "sh" }, { "щ", "Щ", "shch" },
	{ "ъ", "Ъ", "ie" }, { "ы", "Ы", "y" }, { "ь", "Ь", "" },
	{ "э", "Э", "e" }, { "ю", "Ю", "iu" }, { "я", "Я", "ia" },
};

static void
test_translit_table(void **state)
{
	char in[32], want[32];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < 33; i++) {
		n = strlen(letters[i].lat);
		/* Lower case as in the table. */
		translit_is(letters[i].lower, letters[i].lat);
		/* A capital alone or before a small letter: "Zh". */
		memcpy(want, letters[i].lat, n + 1);
		if (n > 0)
			want[0] = (char)(want[0] - 'a' + 'A');
		translit_is(letters[i].upper, want);
		snprintf(in, sizeof in, "%sа", letters[i].upper);
		snprintf(want + n, sizeof want - n, "a");
		translit_is(in, want);
		/* Among capitals: "ZH" whichever side the capital is on. */
		for (j = 0; j < n; j++)
			want[j] = (char)(letters[i].lat[j] - 'a' + 'A');
		snprintf(in, sizeof in, "%sА", letters[i].upper);
		memcpy(want + n, "A", 2);
		translit_is(in, want);
		snprintf(in, sizeof in, "А%s", letters[i].upper);
		want[0] = 'A';
		for (j = 0; j < n; j++)
			want[j + 1] = (char)(letters[i].lat[j] - 'a' + 'A');
		want[n + 1] = '\0';
		translit_is(in, want);
	}
}

static void
test_translit(void **state)
{
	(void)state;
	/* DOMAIN.md's test vector. */
	translit_is("Эй, жлоб! Где туз? Прячь юных съёмщиц в шкаф.",
	    "Ei, zhlob! Gde tuz? Priach iunykh sieemshchits v shkaf.");
	translit_is("ЭЙ, ЖЛОБ! ГДЕ ТУЗ? ПРЯЧЬ ЮНЫХ СЪЁМЩИЦ В ШКАФ.",
	    "EI, ZHLOB! GDE TUZ? PRIACH IUNYKH SIEEMSHCHITS V SHKAF.");
	translit_is("Жук ЖУК жук", "Zhuk ZHUK zhuk");
	translit_is("ЩУКИНА Юлия", "SHCHUKINA Iuliia");
	translit_is("Щукина Юлия", "Shchukina Iuliia");
	translit_is("ПЛАЩ Плащ", "PLASHCH Plashch");
	translit_is("Ж", "Zh");
	translit_is("Ж.Ж.", "Zh.Zh.");
	translit_is("Соловьёв", "Solovev");
	/* Neither a small nor a capital neighbour: first letter capital. */
	translit_is("5Ю", "5Iu");
	/* Non-Cyrillic passes through, letters of other alphabets too. */
	translit_is("Smith 5А, №3 — ok", "Smith 5A, №3 — ok");
	translit_is("Æ漢", "Æ漢");
	translit_is("", "");
	/* ICAO's letters of the other Cyrillic alphabets. */
	translit_is("Ігор Їжак Євген Ґанок Ўладзь", "Igor Izhak Ievgen Ganok Uladz");
	/* Invalid bytes become '?', so the output stays valid UTF-8. */
	translit_is("а\xC0\x80б\xD0", "a??b?");
}

static void
login_is(const char *surname, const char *name, const char *want)
{
	char *s = ej_login_from_name(surname, name);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void
test_login(void **state)
{
	(void)state;
	login_is("Щукина", "Юлия", "shchukina.iuliia");
	login_is("ЩУКИНА", "ЮЛИЯ", "shchukina.iuliia");
	login_is("Ёлкин", "Пётр", "elkin.petr");
	login_is("Соловьёв", "Илья", "solovev.ilia");
	login_is("Объедков", "Дмитрий", "obieedkov.dmitrii");
	login_is("Римский-Корсаков", "Николай", "rimskii-korsakov.nikolai");
	login_is("Петров - Водкин", "Кузьма", "petrov-vodkin.kuzma");
	login_is("Петров\xE2\x80\x90Водкин", "Кузьма", "petrov-vodkin.kuzma");
	login_is("-Петров--", "Иван", "petrov.ivan");
	login_is("Д'Артаньян", "Шарль", "dartanian.sharl");
	login_is("Smith", "John", "smith.john");
	login_is("O'Brien", "Mary Ann", "obrien.maryann");
	login_is("  Иванова ", "Анна Мария", "ivanova.annamariia");
	/* A part with no letter gives no login. */
	assert_null(ej_login_from_name("", "Иван"));
	assert_null(ej_login_from_name("Иванов", "123"));
	assert_null(ej_login_from_name("-", "Иван"));
}

/* The text rule: what may not enter the store, and where it is. */
static void
test_text_check(void **state)
{
	static const struct {
		const char *s;
		size_t off;
		uint32_t cp;
	} bad[] = {
		{ "a\nb", 1, 0x0A }, { "a\rb", 1, 0x0D }, { "\tx", 0, 0x09 },
		{ "x\x1b[31m", 1, 0x1B }, { "x\x7f", 1, 0x7F },
		{ "Ян\xC2\x85", 4, 0x85 }, { "\xE2\x80\xAE" "abc", 0, 0x202E },
		{ "a\xE2\x81\xA6", 1, 0x2066 }, { "\xE2\x80\x8F", 0, 0x200F },
		{ "\xD8\x9C", 0, 0x061C }, { "ok\xFF", 2, (uint32_t)-1 },
		{ "\xC0\xAF", 0, (uint32_t)-1 },
	};
	char buf[96];
	size_t i, off;
	uint32_t cp;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(ej_text_check(bad[i].s, strlen(bad[i].s), 0,
		    &off, &cp), -1);
		assert_int_equal(off, bad[i].off);
		assert_int_equal(cp, bad[i].cp);
	}
	assert_int_equal(ej_text_check("a\0b", 3, 0, &off, &cp), -1);
	assert_int_equal(cp, 0);
	assert_int_equal(ej_text_check("Ёлкин-Палкин, «ok» № 5\xE2\x80\x94",
	    strlen("Ёлкин-Палкин, «ok» № 5\xE2\x80\x94"), 0, &off, &cp), 0);
	assert_int_equal(ej_text_check("a\nb", 3, EJ_TEXT_LINES, &off, &cp), 0);
	assert_int_equal(ej_text_check("a\rb", 3, EJ_TEXT_LINES, &off, &cp),
	    -1);
	assert_string_equal(ej_text_problem(buf, sizeof buf, 0x0A),
	    "control character U+000A (line feed)");
	assert_string_equal(ej_text_problem(buf, sizeof buf, 0x85),
	    "control character U+0085");
	assert_string_equal(ej_text_problem(buf, sizeof buf, (uint32_t)-1),
	    "invalid UTF-8");
}

static void
test_text_visible(void **state)
{
	char *s;

	(void)state;
	s = ej_text_visible("ok\nReason: forged\r\t\x01\x7f"
	    "\xE2\x80\xAEx\xC2\x85\xFF Ё\\");
	assert_string_equal(s, "ok\\nReason: forged\\r\\t\\x01\\x7F"
	    "\\u{202E}x\\u{0085}\\xFF Ё\\");
	free(s);
	s = ej_text_visible("");
	assert_string_equal(s, "");
	free(s);
}

static void
test_email_phone(void **state)
{
	static const char *const good[] = {
		"anna@example.org", "a.b-c+d@mail.school.ru", "o'brien@x.example",
		"skuvk1@mail.ru", "a_b@sub-d.example.com",
	};
	static const char *const bad[] = {
		"m@ok.example>\nBcc: evil@x.example", "a@b.ru>, victim@example.org",
		"<a@b.ru>", "a b@c.ru", "\"a\"@c.ru", "a@localhost", "a@@b.ru",
		"a@b..ru", ".a@b.ru", "a.@b.ru", "a..b@c.ru", "@b.ru", "a@",
		"a@b.ru.", "a@-b.ru", "a@b-.ru", "a@b_c.ru", "a,b@c.ru",
		"a;b@c.ru", "a:b@c.ru", "a@b.ru\r", "иван@почта.рф", "",
		"a(b)@c.ru", "a@[1.2.3.4]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!ej_email_valid(good[i]))
			fail_msg("refused %s", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ej_email_valid(bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_true(ej_phone_valid("+7 (978) 123-45-67"));
	assert_true(ej_phone_valid("0(6555) 5-15-97"));
	assert_false(ej_phone_valid("+7 978\n"));
	assert_false(ej_phone_valid("+7 978 x"));
	assert_false(ej_phone_valid("()"));
	assert_false(ej_phone_valid(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_text_check),
		cmocka_unit_test(test_text_visible),
		cmocka_unit_test(test_email_phone),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_put_roundtrip),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_squeeze),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_translit_table),
		cmocka_unit_test(test_translit),
		cmocka_unit_test(test_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
