/*
 * audit_sync — the audit's rules about the history's copies elsewhere
 * (sync.h): a remote not pushed for audit.push_days days, a mirror behind
 * its source. The audit judges from what the store knows (the last push,
 * the last fetch); it asks no server.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "sync.h"

int
ej_audit__sync(struct ej_audit *a, const struct ej_audit_rule *r)
{
	struct ej_sync_opts o = { 0 };
	struct ej_sync_finding *v = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (ej_sync_audit(ej_audit_store(a), 0, (long long)time(NULL), &o,
	    &v, &n, ej_audit_diag(a)) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(v[i].rule, r->id) == 0)
			rc = ej_audit_add(a, r, NULL, NULL, NULL, NULL, NULL,
			    v[i].detail);
	ej_sync_findings_free(v, n);
	return rc;
}
