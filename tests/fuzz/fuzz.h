/*
 * What the fuzz targets share: a sink for the diagnostics (read by
 * nobody, but every message is formatted), and an input as a C string.
 */
#ifndef EJ_FUZZ_H
#define EJ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline FILE *
fuzz_sink(void)
{
	static FILE *sink;

	if (!sink && (sink = fopen("/dev/null", "w")) == NULL)
		abort();
	return sink;
}

/* data as a NUL-terminated string (a NUL inside ends it early). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = ej_xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
