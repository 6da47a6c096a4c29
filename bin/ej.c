/*
 * ej — the dispatcher: "ej grade …" runs ej-grade, found next to ej first,
 * then on PATH; "ej help" lists the commands.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "i18n.h"
#include "text.h"

#ifndef EJ_VERSION
#define EJ_VERSION "dev"
#endif

static const struct {
	const char *name, *desc;
} commands[] = {
#include "commands.h"
};

static void
help(FILE *f)
{
	size_t i, w = 0;

	fputs(_("usage: ej COMMAND [ARGS...]\n       ej help | --version\n\n"
	    "Commands:\n"), f);
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, "ej") != 0 &&
		    strlen(commands[i].name) - 3 > w)
			w = strlen(commands[i].name) - 3;
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, "ej") == 0)
			continue;
		fputs("  ", f);
		ej_text_pad(f, commands[i].name + 3, w + 2, 0);
		fprintf(f, "%s\n", commands[i].desc);
	}
	fputs(_("\nSee ej(7) for an overview and ej-COMMAND(1) for each.\n"),
	    f);
}

/* The directory of this executable, for sibling commands. */
static int
self_dir(char *buf, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", buf, n - 1);
	char *slash;

	if (len <= 0)
		return -1;
	buf[len] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], name[64];
	const char *cmd;

	ej_i18n_init();
	if (argc < 2) {
		help(stderr);
		return EJ_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "--help") == 0) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			/* ej help grade: the command's man page */
			snprintf(name, sizeof name, "ej-%s", argv[2]);
			execlp("man", "man", name, (char *)NULL);
			fprintf(stderr, "ej: man: %s\n", strerror(errno));
			return EJ_EXIT_USAGE;
		}
		help(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("ej %s\n", EJ_VERSION);
		return 0;
	}
	if (cmd[0] == '-' || strchr(cmd, '/') || strlen(cmd) > 40) {
		fprintf(stderr, _("ej: not a command: %s\n"), cmd);
		return EJ_EXIT_USAGE;
	}
	snprintf(name, sizeof name, "ej-%s", cmd);
	argv[1] = name;
	if (self_dir(dir, sizeof dir) == 0) {
		snprintf(path, sizeof path, "%s/%s", dir, name);
		if (access(path, X_OK) == 0) {
			execv(path, argv + 1);
			fprintf(stderr, "ej: %s: %s\n", path, strerror(errno));
			return 126;
		}
	}
	execvp(name, argv + 1);
	if (errno == ENOENT) {
		fprintf(stderr, _("ej: no such command: %s (see ej help)\n"),
		    cmd);
		return EJ_EXIT_USAGE;
	}
	fprintf(stderr, "ej: %s: %s\n", name, strerror(errno));
	return 126;
}
