/*
 * pathname — the one mapping from a class, subject or year name to a
 * component of a history path (journal/2020-2021/5А/Алгебра/marks.csv),
 * and back. ej-store(5) documents it.
 *
 * The mapping is percent-encoding: a byte becomes %XX (capital hex) when
 * it is '%' itself (so the mapping is injective and decodes back), a
 * control character (C0, DEL, C1), one of / \ : * ? " < > | ~ [, a
 * leading '.', a trailing '.' or space, a byte of a code point HFS+
 * ignores (U+200C..U+200F, U+202A..U+202E, U+206A..U+206F, U+FEFF), a
 * byte of invalid UTF-8, or the first letter of a Windows device name
 * (CON, PRN, AUX, NUL, COM0-9, LPT0-9, alone or before a '.').
 * Everything else is kept: "5А", "Алгебра", "2020-2021" map to
 * themselves. No result is empty, ".", "..", starts with ".git", holds
 * an 8.3 short name ("git~1") or anything git's verify_path and
 * `git fsck --strict` reject on any file system.
 */
#ifndef EJ_PATHNAME_H
#define EJ_PATHNAME_H

#include <sqlite3.h>
#include <stddef.h>

/* The longest component, in bytes, most file systems take. */
#define EJ_PATHNAME_MAX 255

/*
 * The path component of name: a new string, or NULL when name cannot be
 * one (empty, or longer than EJ_PATHNAME_MAX bytes once mapped).
 */
char *ej_pathname(const char *name);

/* The name a component of n bytes stands for (%XX decoded; anything
 * else as it is): a new string. */
char *ej_pathname_decode(const char *part, size_t n);

/*
 * The key two names collide under: the component folded as text.h folds
 * names (a case-insensitive file system would take two such directories
 * for one). A new string, or NULL when name cannot be mapped.
 */
char *ej_pathname_key(const char *name);

/*
 * SQL function ej_path(name): ej_pathname(name); NULL gives NULL, a name
 * that cannot be mapped an error. Registered on every connection.
 */
void ej_pathname_sql(sqlite3_context *cx, int argc, sqlite3_value **argv);

#endif
