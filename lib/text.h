/*
 * text — UTF-8: validation, folding for name matching (case of Cyrillic and
 * Latin, ё = е, collapsed spaces), display width for aligned tables, and
 * transliteration of Russian per ICAO Doc 9303 for logins.
 */
#ifndef EJ_TEXT_H
#define EJ_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one code point at *p (< end), advance *p; 0. -1 on invalid or
 * truncated UTF-8 (overlongs, surrogates, > U+10FFFF), *p left alone.
 */
int ej_utf8_next(const char **p, const char *end, uint32_t *cp);
/* Append cp as UTF-8 to buf (≥ 4 bytes); returns bytes written. */
size_t ej_utf8_put(char *buf, uint32_t cp);
/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int ej_utf8_valid(const char *s, size_t n);

/*
 * The rule for every text that enters the store: valid UTF-8 and no
 * control character — C0 (NUL, TAB, LF, CR and the rest), DEL, C1
 * (U+0080..U+009F) and the bidirectional controls (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069), which could forge a line of a
 * log or a mail header or make text read other than it is stored.
 * With EJ_TEXT_LINES, LF is allowed (a multi-line note).
 */
#define EJ_TEXT_LINES	1
/*
 * A command-line value that will be stored (a reason, a topic): 0 when
 * it keeps the rule, else -1 with "OPT: control character … is not
 * allowed" recorded in d (exit 65; the command stops before writing).
 */
struct ej_diag;
int ej_text_arg(struct ej_diag *d, const char *opt, const char *s);
/* 1 when cp is one of those control characters. */
int ej_text_is_control(uint32_t cp);
/*
 * Check s[0..n): 0 when it keeps the rule. Otherwise -1 with *off the
 * byte offset of the first offence and *cp its code point, or
 * (uint32_t)-1 for invalid UTF-8.
 */
int ej_text_check(const char *s, size_t n, int flags, size_t *off,
    uint32_t *cp);
/*
 * What is wrong, for a message: "control character U+000A (line feed)",
 * "invalid UTF-8"; translated. Into buf of size ≥ 96.
 */
const char *ej_text_problem(char *buf, size_t size, uint32_t cp);
/*
 * s with every control character (and invalid byte) made visible:
 * "\n", "\r", "\t", "\xHH" for other C0, DEL and invalid bytes,
 * "\u{202E}" for C1 and bidi controls; a backslash stays as it is.
 * New string.
 */
char *ej_text_visible(const char *s);
/*
 * An e-mail address as RFC 5322's addr-spec, restricted to what mail
 * headers can carry unquoted: dot-atom "@" dot-atom, the domain with at
 * least one dot, ASCII only — no spaces, quotes, < > , ; : \ ( ) [ ],
 * no control characters; 254 bytes at most, local part 64. 1 or 0.
 */
int ej_email_valid(const char *s);
/* A phone number: digits, spaces, + ( ) - only, at least one digit. */
int ej_phone_valid(const char *s);

/*
 * Fold for comparison: lowercase (ASCII and Cyrillic incl. Ё/ё, Ukrainian
 * letters), ё → е, runs of white space (ASCII, NBSP, U+2007, U+202F) to
 * one space, trimmed. Returns a new string, or NULL when s is not valid
 * UTF-8.
 */
char *ej_text_fold(const char *s);
/* Trim and collapse white space only; NULL when not valid UTF-8. */
char *ej_text_squeeze(const char *s);

/*
 * Display columns of s (each code point 1; combining marks and control
 * characters 0; CJK 2; an invalid byte 1).
 */
size_t ej_text_width(const char *s);
/*
 * Write s to f padded with spaces to width columns (left-aligned; right
 * when right != 0). Longer text is written whole.
 */
#include <stdio.h>
void ej_text_pad(FILE *f, const char *s, size_t width, int right);

/*
 * Transliterate per ICAO Doc 9303 (DOMAIN.md's table, plus the table's
 * Ukrainian, Belarusian, Serbian and Macedonian letters), keeping case:
 * "Эй, жлоб!" → "Ei, zhlob!"; "Жук" → "Zhuk" but "ЖУК" → "ZHUK" (next to
 * a capital letter an expansion is all capitals). Non-Cyrillic characters
 * pass through; invalid UTF-8 bytes become '?'. Returns a new string.
 */
char *ej_translit(const char *s);

/*
 * Login from surname and name: translit, lowercase ASCII letters only,
 * a hyphen kept between letters ("Римский-Корсаков" → "rimskii-korsakov"),
 * "surname.name" ("Щукина", "Юлия" → "shchukina.iuliia"). New string, or
 * NULL when either part has no letter to make a login from.
 */
char *ej_login_from_name(const char *surname, const char *name);

#endif
