/*
 * gen-commits — N one-mark corrections of a class × subject, each its own
 * commit, in one process: the history that N runs of
 *
 *	ej-grade set --reason R CLASS SUBJECT DATE #PUPIL MARK
 *
 * would leave (the same library calls, summary, message and snapshot),
 * without N process start-ups. For the benchmarks' long histories.
 *
 *	gen-commits STORE N CLASS SUBJECT
 *
 * The i-th commit changes the i-th stored mark of the class × subject (in
 * lesson and pupil order, round and round) from 5 to 4 or from anything
 * else to 5. Nothing is fsynced: it makes a fixture, not a journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gradebook.h"
#include "journal.h"

struct cell {
	long long lesson, pupil, work;
	char date[11], ext[64], mark[16];
};

int
main(int argc, char **argv)
{
	struct ej_cli c;
	struct ej_journal *j;
	struct cell *cells = NULL;
	size_t n = 0, cap = 0, i;
	long long cls, subj, count;
	sqlite3_stmt *q;
	char *end;

	ej_cli_init(&c, "gen-commits", "gen-commits STORE N CLASS SUBJECT",
	    argc, argv);
	if (argc != 5 || (count = strtoll(argv[2], &end, 10)) < 0 || *end)
		ej_cli_usage(&c);
	c.store_opt = argv[1];
	ej_cli_setup(&c, EJ_SETUP_WRITE);
	/* A fixture, not a journal: the same bytes without waiting for the
	 * disk (no fsync in SQLite or libgit2). */
	if (!ej_store_repo(c.s, &c.d) ||
	    ej_store_exec(c.s, "PRAGMA synchronous = OFF", &c.d) < 0)
		ej_cli_exit(&c);
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
	if (ej_journal_open(&j, c.s, &c.d) < 0)
		ej_cli_exit(&c);
	if ((cls = ej_journal_class(j, argv[3], NULL)) == 0 ||
	    (subj = ej_journal_subject(j, argv[4], NULL)) == 0) {
		ej_journal_free(j);
		ej_cli_exit(&c);
	}
	if ((q = ej_store_prepare(c.s, "SELECT m.lesson_id, m.pupil_id, "
	    "m.work_id, l.date, coalesce(p.ext_id, p.id), m.mark FROM lessons l "
	    "JOIN marks m ON m.lesson_id = l.id AND m.seq = 1 JOIN pupils p ON "
	    "p.id = m.pupil_id WHERE l.class_id = ?1 AND l.subject_id = ?2 "
	    "ORDER BY l.date, l.num, m.pupil_id", &c.d)) == NULL) {
		ej_journal_free(j);
		ej_cli_exit(&c);
	}
	sqlite3_bind_int64(q, 1, cls);
	sqlite3_bind_int64(q, 2, subj);
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct cell *e;

		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			if ((cells = realloc(cells, cap * sizeof *cells)) == NULL) {
				perror("gen-commits");
				exit(70);
			}
		}
		e = &cells[n++];
		e->lesson = sqlite3_column_int64(q, 0);
		e->pupil = sqlite3_column_int64(q, 1);
		e->work = sqlite3_column_int64(q, 2);
		snprintf(e->date, sizeof e->date, "%s",
		    (const char *)sqlite3_column_text(q, 3));
		snprintf(e->ext, sizeof e->ext, "#%s",
		    (const char *)sqlite3_column_text(q, 4));
		snprintf(e->mark, sizeof e->mark, "%s",
		    (const char *)sqlite3_column_text(q, 5));
	}
	sqlite3_reset(q);
	if (n == 0) {
		fprintf(stderr, "gen-commits: %s %s has no marks\n", argv[3],
		    argv[4]);
		exit(65);
	}
	for (i = 0; i < (size_t)count; i++) {
		struct cell *e = &cells[i % n];
		struct ej_journal_stats st = {0};
		char reason[64], *what;
		char *av[] = { "ej-grade", "set", "--reason", reason, argv[3],
		    argv[4], e->date, e->ext, e->mark, NULL };

		snprintf(e->mark, sizeof e->mark, "%s",
		    strcmp(e->mark, "5") == 0 ? "4" : "5");
		snprintf(reason, sizeof reason, "исправление %zu", i + 1);
		c.argc = 9;
		c.argv = av;
		if (ej_store_begin(c.s, &c.d) < 0 ||
		    ej_journal_set_mark(j, e->lesson, e->pupil, 1, e->mark,
		    e->work, reason, 0, &st, NULL) < 0) {
			ej_store_rollback(c.s);
			break;
		}
		what = ej_xasprintf("%s %s", ej_journal_class_name(j, cls),
		    ej_journal_subject_name(j, subj));
		ej_gb_finish(&c, what, &st, reason, NULL);
		free(what);
		if (ej_diag_status(&c.d) != 0)
			break;
	}
	free(cells);
	ej_journal_free(j);
	ej_cli_exit(&c);
}
