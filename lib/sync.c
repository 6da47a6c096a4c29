/* sync — remotes, push, clone, pull and the mirror's rules; see sync.h. */
#include <ctype.h>
#include <pwd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "i18n.h"
#include "store.h"
#include "sync.h"
#include "who.h"

#define REF_MAIN "refs/heads/main"
#define MIRROR_KEY "ej.mirror"

/* ------------------------------------------------------------ small bits */

static int
giterr(struct ej_diag *d, int code, const char *what)
{
	const git_error *e = git_error_last();

	return ej_error(d, code, NULL, 0, 0, "%s: %s", what,
	    e && e->message ? e->message : _("unknown error"));
}

/* A diagnostics sink that records and prints nothing. */
static void
quiet_diag(struct ej_diag *q, const char *prog)
{
	ej_diag_init(q, prog, NULL);
	q->cap = 0;
}

static void
iso_time(char out[32], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2026-11-29T05:00:00Z" → seconds; -1 when it is not one. */
static long long
parse_iso(const char *s)
{
	struct tm tm;
	const char *end;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	return (long long)timegm(&tm);
}

/* A string from the repository's config; NULL when unset. */
static char *
config_get(git_repository *repo, const char *key)
{
	git_config *cfg = NULL;
	git_buf b = {0};
	char *v = NULL;

	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return NULL;
	if (git_config_get_string_buf(&b, cfg, key) == 0)
		v = ej_xstrdup(b.ptr);
	git_buf_dispose(&b);
	git_config_free(cfg);
	return v;
}

static int
config_set(git_repository *repo, const char *key, const char *value,
    struct ej_diag *d)
{
	git_config *cfg = NULL;
	int rc;

	if (git_repository_config(&cfg, repo) < 0)
		return giterr(d, EJ_EXIT_IOERR, _("cannot read the history's "
		    "config"));
	rc = git_config_set_string(cfg, key, value);
	git_config_free(cfg);
	if (rc < 0)
		return giterr(d, EJ_EXIT_IOERR, key);
	return 0;
}

static char *
remote_key(const char *name, const char *what)
{
	return ej_xasprintf("remote.%s.%s", name, what);
}

/*
 * Remotes are read and written through the config by hand, and opened as
 * in-memory remotes: libgit2 1.5's named remotes match config names with
 * regular expressions, and its regexp match leaks on every miss.
 */
static char *
remote_url(git_repository *repo, const char *name)
{
	char *k = remote_key(name, "url"), *v = config_get(repo, k);

	free(k);
	return v;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the remotes that have a URL, sorted; NULL-terminated. */
static char **
remote_names(git_repository *repo, size_t *n)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char **v = ej_xcalloc(1, sizeof *v);

	*n = 0;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return v;
	if (git_config_iterator_new(&it, cfg) == 0) {
		while (git_config_next(&e, it) == 0) {
			size_t len = strlen(e->name);

			/* remote.NAME.url: the section is case-blind, the
			 * name is not */
			if (len <= 11 || strncasecmp(e->name, "remote.", 7) ||
			    strcasecmp(e->name + len - 4, ".url"))
				continue;
			v = ej_xrealloc(v, (*n + 2) * sizeof *v);
			v[*n] = ej_xasprintf("%.*s", (int)(len - 11),
			    e->name + 7);
			v[++*n] = NULL;
		}
		git_config_iterator_free(it);
	}
	git_config_free(cfg);
	qsort(v, *n, sizeof *v, cmp_name);
	return v;
}

static void
names_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The home whose .ssh is read: $HOME, unless the command runs setgid
 * (then the real user's, from the password file). */
static char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h && getegid() == getgid())
		return ej_xstrdup(h);
	pw = getpwuid(getuid());
	return ej_xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

/* ---------------------------------------------------------------- SHA-1 */

/*
 * Hashed known_hosts entries are HMAC-SHA1 of the host name, and old
 * servers offer only a SHA-1 of their key: libsodium has no SHA-1, so
 * both come from libcrypto.
 */
static int
hmac_sha1(const unsigned char *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[20])
{
	unsigned int n = 0;

	return HMAC(EVP_sha1(), key, (int)klen, msg, mlen, out, &n) != NULL &&
	    n == 20 ? 0 : -1;
}

static int
sha1(const void *data, size_t len, unsigned char out[20])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) == 1 &&
	    n == 20 ? 0 : -1;
}

/* Base64 into a malloc'd buffer; -1 when it is not base64. */
static int
b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	size_t max = inlen / 4 * 3 + 3;

	*out = ej_xmalloc(max);
	if (sodium_base642bin(*out, max, in, inlen, NULL, outlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* OpenSSH's patterns: * and ?, case ignored. */
static int
pattern_match(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			for (p++; ; s++) {
				if (pattern_match(p, s))
					return 1;
				if (!*s)
					return 0;
			}
		}
		if (!*s || (*p != '?' &&
		    tolower((unsigned char)*p) != tolower((unsigned char)*s)))
			return 0;
	}
	return *s == '\0';
}

/* Does the hosts field of a known_hosts line name host (as "host" or
 * "[host]:port")? */
static int
hosts_match(const char *field, size_t flen, const char *name)
{
	char *list = ej_xasprintf("%.*s", (int)flen, field), *tok, *save;
	int hit = 0, neg = 0;

	if (strncmp(list, "|1|", 3) == 0) {
		/* |1|salt|hash: HMAC-SHA1(salt, name) */
		char *salt = list + 3, *hash = strchr(salt, '|');
		unsigned char *sb = NULL, *hb = NULL, mac[20];
		size_t sl, hl;

		if (hash) {
			*hash++ = '\0';
			if (b64_decode(salt, strlen(salt), &sb, &sl) == 0 &&
			    b64_decode(hash, strlen(hash), &hb, &hl) == 0 &&
			    hl == 20) {
				hit = hmac_sha1(sb, sl, name, strlen(name),
				    mac) == 0 && memcmp(mac, hb, 20) == 0;
			}
		}
		free(sb);
		free(hb);
		free(list);
		return hit;
	}
	for (tok = strtok_r(list, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		int not = tok[0] == '!';

		if (pattern_match(tok + not, name)) {
			if (not)
				neg = 1;
			else
				hit = 1;
		}
	}
	free(list);
	return hit && !neg;
}

/* Does the key (base64 in a known_hosts line) equal the server's? */
static int
key_match(const char *b64, size_t len, const git_cert_hostkey *hk)
{
	unsigned char *blob, h[32];
	size_t n;
	int same = 0;

	if (b64_decode(b64, len, &blob, &n) < 0)
		return 0;
	if (hk->type & GIT_CERT_SSH_RAW)
		same = n == hk->hostkey_len &&
		    memcmp(blob, hk->hostkey, n) == 0;
	else if (hk->type & GIT_CERT_SSH_SHA256) {
		crypto_hash_sha256(h, blob, n);
		same = memcmp(h, hk->hash_sha256, 32) == 0;
	} else if (hk->type & GIT_CERT_SSH_SHA1) {
		same = sha1(blob, n, h) == 0 &&
		    memcmp(h, hk->hash_sha1, 20) == 0;
	}
	free(blob);
	return same;
}

enum { HOST_UNKNOWN, HOST_OK, HOST_CHANGED, HOST_REVOKED };

/* Look name up in one known_hosts file. */
static int
known_hosts_file(const char *file, const char *name, const git_cert_hostkey *hk,
    int *state)
{
	FILE *fp = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!fp)
		return 0;
	while (getline(&line, &cap, fp) > 0) {
		char *p = line, *f[4];
		size_t fl[4];
		int nf = 0, revoked = 0;

		while (nf < 4) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '\n' || *p == '#')
				break;
			f[nf] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\n')
				p++;
			fl[nf] = (size_t)(p - f[nf]);
			nf++;
		}
		if (nf > 0 && f[0][0] == '@') {
			/* @cert-authority: certificates are not checked
			 * here; @revoked: a key never to accept. */
			if (fl[0] != 8 || strncmp(f[0], "@revoked", 8) != 0)
				continue;
			revoked = 1;
			memmove(f, f + 1, 3 * sizeof *f);
			memmove(fl, fl + 1, 3 * sizeof *fl);
			nf--;
		}
		if (nf < 3 || !hosts_match(f[0], fl[0], name))
			continue;
		if (key_match(f[2], fl[2], hk)) {
			if (revoked) {
				*state = HOST_REVOKED;
				break;
			}
			*state = HOST_OK;
		} else if (*state == HOST_UNKNOWN && !revoked)
			*state = HOST_CHANGED;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* Host and port of an ssh URL: ssh://[user@]host[:port]/path or the scp
 * form [user@]host:path. */
static void
url_host(const char *url, char *host, size_t n, int *port)
{
	const char *p = url, *end;

	*port = 22;
	if (strncmp(p, "ssh://", 6) == 0 || strncmp(p, "ssh+git://", 10) == 0 ||
	    strncmp(p, "git+ssh://", 10) == 0) {
		p = strstr(p, "://") + 3;
		end = p + strcspn(p, "/");
		if (memchr(p, '@', (size_t)(end - p)))
			p = (const char *)memchr(p, '@', (size_t)(end - p)) + 1;
		if (*p == '[') {
			const char *rb = memchr(p, ']', (size_t)(end - p));

			if (rb) {
				snprintf(host, n, "%.*s", (int)(rb - p - 1),
				    p + 1);
				if (rb[1] == ':')
					*port = atoi(rb + 2);
				return;
			}
		}
		{
			const char *colon = memchr(p, ':', (size_t)(end - p));

			if (colon) {
				*port = atoi(colon + 1);
				end = colon;
			}
		}
		snprintf(host, n, "%.*s", (int)(end - p), p);
		return;
	}
	end = p + strcspn(p, ":");
	if (memchr(p, '@', (size_t)(end - p)))
		p = (const char *)memchr(p, '@', (size_t)(end - p)) + 1;
	snprintf(host, n, "%.*s", (int)(end - p), p);
}

/* ------------------------------------------------------------ callbacks */

struct cb {
	struct ej_diag *d;
	const struct ej_sync_opts *o;
	const char *remote;      /* name, for messages */
	const char *url;
	int refused;             /* an error is recorded already */
	int tried;               /* credentials offered so far */
	char *rejected;          /* "ref: status" the server refused */
	size_t objects;
};

static int
cb_cert(git_cert *cert, int valid, const char *host, void *payload)
{
	struct cb *c = payload;
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	char h[256], name[300], *home, *file;
	int port, state = HOST_UNKNOWN;

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) {
		if (valid)
			return 0;
		ej_error(c->d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("%s: the certificate of %s is not valid"), c->remote,
		    host ? host : "?");
		c->refused = 1;
		return -1;
	}
	if (sodium_init() < 0) {
		c->refused = 1;
		return ej_error(c->d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    "sodium_init");
	}
	url_host(c->url, h, sizeof h, &port);
	if (port == 22)
		snprintf(name, sizeof name, "%s", h);
	else
		snprintf(name, sizeof name, "[%s]:%d", h, port);
	home = home_dir();
	file = ej_xasprintf("%s/.ssh/known_hosts", home);
	known_hosts_file(file, name, hk, &state);
	if (state != HOST_OK && state != HOST_REVOKED)
		known_hosts_file("/etc/ssh/ssh_known_hosts", name, hk, &state);
	if (state == HOST_OK) {
		free(file);
		free(home);
		return 0;
	}
	c->refused = 1;
	if (state == HOST_UNKNOWN)
		ej_error(c->d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("%s: %s is not a known host (no key for it in %s); "
		    "check its key and add it there, e.g. with ssh-keyscan"),
		    c->remote, name, file);
	else if (state == HOST_REVOKED)
		ej_error(c->d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("%s: the key of %s is revoked in %s"), c->remote, name,
		    file);
	else
		ej_error(c->d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("%s: the key of %s is not the one in %s: someone may "
		    "be impersonating the host"), c->remote, name, file);
	free(file);
	free(home);
	return -1;
}

static int
cb_cred(git_credential **out, const char *url, const char *user_from_url,
    unsigned int allowed, void *payload)
{
	struct cb *c = payload;
	static const char *const keys[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
	char login[64];
	const char *user = user_from_url;
	struct ej_diag quiet;
	char *home, *priv = NULL, *pub;
	int step, rc = -1;
	struct stat st;

	(void)url;
	quiet_diag(&quiet, "ej-sync");
	if (!user || !*user) {
		if (ej_who_unix_login(login, sizeof login, &quiet) < 0)
			return -1;
		user = login;
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY)) {
		ej_error(c->d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("%s: the server asks for a password; ej-sync uses ssh "
		    "keys only"), c->remote);
		c->refused = 1;
		return -1;
	}
	/* Each call is the next key: --identity alone, or the agent and
	 * the usual files in turn. */
	home = home_dir();
	for (step = c->tried++; ; step = c->tried++) {
		if (c->o && c->o->identity) {
			if (step > 0)
				break;
			priv = ej_xstrdup(c->o->identity);
			if (stat(priv, &st) < 0) {
				ej_error(c->d, EJ_EXIT_NOINPUT, priv, 0, 0, "%s",
				    _("--identity: no such key file"));
				c->refused = 1;
				free(priv);
				free(home);
				return -1;
			}
		} else if (step == 0) {
			if (!getenv("SSH_AUTH_SOCK"))
				continue;
			rc = git_credential_ssh_key_from_agent(out, user);
			free(home);
			return rc;
		} else if ((size_t)step <= sizeof keys / sizeof keys[0]) {
			priv = ej_xasprintf("%s/.ssh/%s", home, keys[step - 1]);
			if (stat(priv, &st) < 0) {
				free(priv);
				priv = NULL;
				continue;
			}
		} else
			break;
		pub = ej_xasprintf("%s.pub", priv);
		rc = git_credential_ssh_key_new(out, user,
		    stat(pub, &st) == 0 ? pub : NULL, priv, NULL);
		free(pub);
		free(priv);
		free(home);
		return rc;
	}
	free(home);
	ej_error(c->d, EJ_EXIT_NOPERM, NULL, 0, 0,
	    _("%s: the server accepted none of the keys offered as %s"),
	    c->remote, user);
	c->refused = 1;
	return -1;
}

static int
cb_push_ref(const char *ref, const char *status, void *payload)
{
	struct cb *c = payload;

	if (status && !c->rejected)
		c->rejected = ej_xasprintf("%s: %s", ref, status);
	return 0;
}

static int
cb_push_progress(unsigned int current, unsigned int total, size_t bytes,
    void *payload)
{
	struct cb *c = payload;

	(void)current;
	(void)bytes;
	if (total > c->objects)
		c->objects = total;
	return 0;
}

static int
cb_pack_progress(int stage, uint32_t current, uint32_t total, void *payload)
{
	struct cb *c = payload;

	(void)stage;
	(void)current;
	if (total > c->objects)
		c->objects = total;
	return 0;
}

static void
callbacks(git_remote_callbacks *rc, struct cb *c)
{
	rc->certificate_check = cb_cert;
	rc->credentials = cb_cred;
	rc->push_update_reference = cb_push_ref;
	rc->push_transfer_progress = cb_push_progress;
	rc->pack_progress = cb_pack_progress;
	rc->payload = c;
}

/* A transport failure: the callback's own error, or libgit2's. */
static int
transport_err(struct cb *c, const char *what)
{
	if (c->refused)
		return -1;
	return giterr(c->d, EJ_EXIT_IOERR, what);
}

/* -------------------------------------------------------------- remotes */

static int
valid_name(const char *name, struct ej_diag *d)
{
	int ok = 0;

	if (git_remote_name_is_valid(&ok, name) < 0 || !ok ||
	    strchr(name, '/'))
		return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0,
		    _("not a remote name: %s"), name);
	return 0;
}

int
ej_sync_remote_add(struct ej_store *s, const char *name, const char *url,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	char *old, *k;
	int rc;

	if (!repo || valid_name(name, d) < 0)
		return -1;
	if (!*url)
		return ej_error(d, EJ_EXIT_USAGE, NULL, 0, 0, "%s",
		    _("an empty URL"));
	if ((old = remote_url(repo, name)) != NULL) {
		free(old);
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("remote %s exists already"), name);
	}
	/* What git itself writes, so that git fetch works on it too. */
	k = remote_key(name, "url");
	rc = config_set(repo, k, url, d);
	free(k);
	if (rc == 0) {
		char *spec = ej_xasprintf("+refs/heads/*:refs/remotes/%s/*",
		    name);

		k = remote_key(name, "fetch");
		rc = config_set(repo, k, spec, d);
		free(k);
		free(spec);
	}
	return rc;
}

int
ej_sync_remote_remove(struct ej_store *s, const char *name,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_config *cfg = NULL, *snap = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	git_reference *ref = NULL;
	char *src, *prefix, **keys = NULL, *tracking;
	size_t n = 0, i, plen;
	int rc = 0;

	if (!repo || valid_name(name, d) < 0)
		return -1;
	if ((src = config_get(repo, MIRROR_KEY)) != NULL &&
	    strcmp(name, EJ_SYNC_SOURCE) == 0) {
		free(src);
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("remote %s is this mirror's source"), name);
	}
	free(src);
	if ((src = remote_url(repo, name)) == NULL)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no remote %s"), name);
	free(src);
	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_snapshot(&snap, cfg) < 0 ||
	    git_config_iterator_new(&it, snap) < 0) {
		git_config_free(snap);
		git_config_free(cfg);
		return giterr(d, EJ_EXIT_IOERR, _("cannot read the history's "
		    "config"));
	}
	/* Every remote.NAME.* key */
	prefix = ej_xasprintf("remote.%s.", name);
	plen = strlen(prefix);
	while (git_config_next(&e, it) == 0) {
		if (strlen(e->name) <= plen || strncasecmp(e->name, prefix, 7) ||
		    strncmp(e->name + 7, prefix + 7, plen - 7))
			continue;
		keys = ej_xrealloc(keys, (n + 1) * sizeof *keys);
		keys[n++] = ej_xstrdup(e->name);
	}
	git_config_iterator_free(it);
	for (i = 0; i < n; i++) {
		if (rc == 0 && git_config_delete_entry(cfg, keys[i]) < 0)
			rc = giterr(d, EJ_EXIT_IOERR, keys[i]);
		free(keys[i]);
	}
	free(keys);
	free(prefix);
	git_config_free(snap);
	git_config_free(cfg);
	tracking = ej_xasprintf("refs/remotes/%s/main", name);
	if (rc == 0 && git_reference_lookup(&ref, repo, tracking) == 0) {
		git_reference_delete(ref);
		git_reference_free(ref);
	}
	free(tracking);
	return rc;
}

char *
ej_sync_url_masked(const char *url)
{
	const char *scheme = strstr(url, "://"), *user, *at, *colon, *end;
	int http;

	if (!scheme)
		return ej_xstrdup(url);
	user = scheme + 3;
	end = user + strcspn(user, "/?#");
	for (at = NULL, colon = user; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	if (!at)
		return ej_xstrdup(url);
	colon = memchr(user, ':', (size_t)(at - user));
	http = strncmp(url, "http", 4) == 0;
	if (colon)        /* user:password@ */
		return ej_xasprintf("%.*s:***%s", (int)(colon - url), url, at);
	if (http)         /* a token as the user name */
		return ej_xasprintf("%.*s***%s", (int)(user - url), url, at);
	return ej_xstrdup(url);
}

int
ej_sync_remote_list(struct ej_store *s, FILE *out, int reveal,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	char **names, *url;
	size_t n, i;

	if (!repo)
		return -1;
	names = remote_names(repo, &n);
	for (i = 0; i < n; i++) {
		if ((url = remote_url(repo, names[i])) == NULL)
			continue;
		if (!reveal) {
			char *m = ej_sync_url_masked(url);

			free(url);
			url = m;
		}
		fprintf(out, "%s\t%s\n", names[i], url);
		free(url);
	}
	names_free(names);
	return 0;
}

/* The remote NAME, in memory, from its URL. */
static int
lookup(git_repository *repo, const char *name, git_remote **out,
    struct ej_diag *d)
{
	git_remote_create_options co;
	char *url = remote_url(repo, name);
	int rc;

	*out = NULL;
	if (!url)
		return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("no remote %s; add one with: ej-sync remote add NAME "
		    "URL"), name);
	git_remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	co.repository = repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
	    GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	rc = git_remote_create_with_opts(out, url, &co);
	free(url);
	if (rc < 0)
		return giterr(d, EJ_EXIT_DATAERR, name);
	return 0;
}

/* ----------------------------------------------------------------- push */

static int fetch(git_repository *repo, git_remote *remote, const char *name,
    const struct ej_sync_opts *o, git_oid *to, struct ej_diag *d);

int
ej_sync_push(struct ej_store *s, const char *name,
    const struct ej_sync_opts *o, struct ej_sync_push_result *r,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_remote *remote = NULL;
	git_push_options po;
	git_oid head, before;
	char *spec = REF_MAIN ":" REF_MAIN, *tracking, *key, hex[GIT_OID_HEXSZ + 1],
	    when[32];
	git_strarray specs = {&spec, 1};
	struct cb c = {0};
	int rc = -1, had;

	memset(r, 0, sizeof *r);
	if (!repo)
		return -1;
	if ((rc = ej_history_head(s, &head, d)) != 0) {
		if (rc > 0)
			ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0, "%s",
			    _("the history has no commits to push"));
		return -1;
	}
	rc = -1;
	if (lookup(repo, name, &remote, d) < 0)
		return -1;
	tracking = ej_xasprintf("refs/remotes/%s/main", name);
	had = git_reference_name_to_id(&before, repo, tracking) == 0;
	c.d = d;
	c.o = o;
	c.remote = name;
	c.url = git_remote_url(remote);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks(&po.callbacks, &c);
	if (git_remote_push(remote, &specs, &po) < 0) {
		const git_error *e = git_error_last();

		if (c.refused)
			goto out;
		/* Not a fast-forward: libgit2 finds it before sending
		 * (the remote's main is not in our history, or is not an
		 * ancestor of ours). */
		if (e && e->message && (strstr(e->message,
		    "non-fastforwardable") || strstr(e->message,
		    "not present locally"))) {
			struct ej_diag quiet;
			git_oid theirs;

			/* What the remote holds, so that status can count
			 * both sides of the divergence (only the tracking
			 * ref and objects are added; main stays). */
			quiet_diag(&quiet, d->prog);
			fetch(repo, remote, name, o, &theirs, &quiet);
			ej_error(d, EJ_EXIT_FOUND, NULL, 0, 0,
			    _("%s: %s rejected: not a fast-forward (the "
			    "remote holds commits this history does not); "
			    "nothing was forced"), name, REF_MAIN);
			goto out;
		}
		transport_err(&c, name);
		goto out;
	}
	if (c.rejected) {
		ej_error(d, EJ_EXIT_FOUND, NULL, 0, 0,
		    _("%s: rejected by the server: %s"), name, c.rejected);
		goto out;
	}
	r->objects = c.objects;
	r->uptodate = had && git_oid_equal(&before, &head);
	/* What the remote has now, for status and the audit. */
	{
		git_reference *ref = NULL;

		if (git_reference_create(&ref, repo, tracking, &head, 1,
		    "ej-sync: push") < 0) {
			giterr(d, EJ_EXIT_IOERR, tracking);
			goto out;
		}
		git_reference_free(ref);
	}
	git_oid_tostr(hex, sizeof hex, &head);
	iso_time(when, time(NULL));
	key = remote_key(name, "ejpushed");
	rc = config_set(repo, key, when, d);
	free(key);
	key = remote_key(name, "ejpushedcommit");
	if (rc == 0)
		rc = config_set(repo, key, hex, d);
	free(key);
out:
	free(c.rejected);
	free(tracking);
	git_remote_free(remote);
	return rc;
}

/* ---------------------------------------------------------------- fetch */

/* Fetch the remote's main into refs/remotes/NAME/main; its id in *to. */
static int
fetch(git_repository *repo, git_remote *remote, const char *name,
    const struct ej_sync_opts *o, git_oid *to, struct ej_diag *d)
{
	git_fetch_options fo;
	char *spec = ej_xasprintf("+" REF_MAIN ":refs/remotes/%s/main", name),
	    *tracking = ej_xasprintf("refs/remotes/%s/main", name);
	git_strarray specs = {&spec, 1};
	struct cb c = {0};
	int rc = -1;

	c.d = d;
	c.o = o;
	c.remote = name;
	c.url = git_remote_url(remote);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	callbacks(&fo.callbacks, &c);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.prune = GIT_FETCH_NO_PRUNE;
	fo.update_fetchhead = 0;
	if (git_remote_fetch(remote, &specs, &fo, "ej-sync: fetch") < 0) {
		transport_err(&c, name);
		goto out;
	}
	if (git_reference_name_to_id(to, repo, tracking) < 0) {
		ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s: %s has no %s: not an ej history"), name,
		    git_remote_url(remote), REF_MAIN);
		goto out;
	}
	rc = 0;
out:
	free(spec);
	free(tracking);
	return rc;
}

/* ---------------------------------------------------------------- clone */

int
ej_sync_clone(const char *url, const char *dir, const struct ej_sync_opts *o,
    struct ej_diag *d)
{
	struct ej_store *s = NULL;
	git_repository *repo;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_commit *commit = NULL;
	git_oid to, want, got;
	char hex[GIT_OID_HEXSZ + 1], when[32];

	if (ej_store_create(&s, dir, NULL, d) < 0)
		return -1;
	if ((repo = ej_store_repo(s, d)) == NULL)
		goto fail;
	if (ej_sync_remote_add(s, EJ_SYNC_SOURCE, url, d) < 0 ||
	    lookup(repo, EJ_SYNC_SOURCE, &remote, d) < 0)
		goto fail;
	if (fetch(repo, remote, EJ_SYNC_SOURCE, o, &to, d) < 0)
		goto fail;
	iso_time(when, time(NULL));
	if (git_reference_create(&ref, repo, REF_MAIN, &to, 0,
	    "ej-sync: clone") < 0 ||
	    config_set(repo, MIRROR_KEY, url, d) < 0 ||
	    config_set(repo, "remote." EJ_SYNC_SOURCE ".ejpulled", when,
	    d) < 0) {
		giterr(d, EJ_EXIT_IOERR, _("cannot set main"));
		goto fail;
	}
	git_oid_tostr(hex, sizeof hex, &to);
	if (ej_store_exec(s, "BEGIN", d) < 0 ||
	    ej_history_load(s, &to, d) < 0 ||
	    ej_meta_set(s, "head", hex) < 0 ||
	    ej_store_exec(s, "COMMIT", d) < 0)
		goto fail;
	/* The database serialises back to the commit's tree. */
	if (git_commit_lookup(&commit, repo, &to) < 0) {
		giterr(d, EJ_EXIT_IOERR, _("cannot read the commit"));
		goto fail;
	}
	git_oid_cpy(&want, git_commit_tree_id(commit));
	if (ej_snap_tree(s, &got, 0, d) < 0)
		goto fail;
	if (!git_oid_equal(&want, &got)) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("the loaded database does not serialise to the source's "
		    "tree"));
		goto fail;
	}
	git_commit_free(commit);
	git_reference_free(ref);
	git_remote_free(remote);
	ej_store_close(s);
	return 0;
fail:
	git_commit_free(commit);
	git_reference_free(ref);
	git_remote_free(remote);
	ej_store_destroy(s);
	return -1;
}

/* ----------------------------------------------------------------- pull */

void
ej_sync_pull_result_free(struct ej_sync_pull_result *r)
{
	if (!r)
		return;
	ej_strv_free(r->paths);
	r->paths = NULL;
}

int
ej_sync_mirror_of(struct ej_store *s, char **url, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);

	*url = NULL;
	if (!repo)
		return -1;
	*url = config_get(repo, MIRROR_KEY);
	return *url != NULL;
}

int
ej_sync_pull(struct ej_store *s, const char *name,
    const struct ej_sync_opts *o, struct ej_sync_pull_result *r,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_revwalk *walk = NULL;
	git_oid to, main_id, base, id;
	char *src = NULL, *mh = NULL, hex[GIT_OID_HEXSZ + 1], when[32], *key;
	sqlite3 *db = ej_store_db(s);
	long n;
	int rc = -1, in_tx = 0, moved = 0;

	memset(r, 0, sizeof *r);
	if (!repo)
		return -1;
	if (!name)
		name = EJ_SYNC_SOURCE;
	if ((rc = ej_sync_mirror_of(s, &src, d)) <= 0) {
		if (rc == 0)
			ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0, "%s",
			    _("this store is not a mirror: only a mirror made "
			    "by ej-sync clone pulls"));
		return -1;
	}
	rc = -1;
	if (lookup(repo, name, &remote, d) < 0 ||
	    fetch(repo, remote, name, o, &to, d) < 0)
		goto out;
	/* One writer at a time, as for every write of the store. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		ej_store_sqlerr(s, d, _("cannot start a write"));
		goto out;
	}
	in_tx = 1;
	if (git_reference_name_to_id(&main_id, repo, REF_MAIN) < 0) {
		giterr(d, EJ_EXIT_SOFTWARE, REF_MAIN);
		goto out;
	}
	/* The database is at meta.head; a pull that died after moving
	 * main is finished from there. */
	if (ej_meta_get(s, "head", &mh) < 0 || !mh ||
	    git_oid_fromstr(&base, mh) < 0) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("the database names no commit (meta.head); run "
		    "ej-rebuild"));
		goto out;
	}
	git_oid_cpy(&r->from, &base);
	git_oid_cpy(&r->to, &to);
	if (!git_oid_equal(&to, &main_id) &&
	    git_graph_descendant_of(repo, &to, &main_id) != 1) {
		git_oid_tostr(hex, sizeof hex, &to);
		ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
		    _("%s: its main (%.7s) does not descend from this mirror's "
		    "history: the source's history was rewritten; nothing was "
		    "changed"), name, hex);
		goto out;
	}
	if (!git_oid_equal(&base, &main_id) &&
	    git_graph_descendant_of(repo, &main_id, &base) != 1) {
		ej_error(d, EJ_EXIT_SOFTWARE, NULL, 0, 0, "%s",
		    _("the database is not at an ancestor of main; run "
		    "ej-rebuild"));
		goto out;
	}
	if (git_oid_equal(&base, &to)) {
		rc = 0;
		goto stamp;
	}
	/* The new commits: a walk from the source's main down to ours. */
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_push(walk, &to) < 0 ||
	    git_revwalk_hide(walk, &base) < 0) {
		giterr(d, EJ_EXIT_SOFTWARE, _("cannot walk the history"));
		goto out;
	}
	while (git_revwalk_next(&id, walk) == 0)
		r->commits++;
	if (!git_oid_equal(&to, &main_id)) {
		if (git_reference_create_matching(&ref, repo, REF_MAIN, &to, 1,
		    &main_id, "ej-sync: pull") < 0) {
			giterr(d, EJ_EXIT_TEMPFAIL, _("main moved meanwhile; "
			    "try again"));
			goto out;
		}
		git_reference_free(ref);
		ref = NULL;
		moved = 1;
	}
	if ((n = ej_history_reload(s, &base, &to, &r->paths, d)) < 0)
		goto out;
	git_oid_tostr(hex, sizeof hex, &to);
	if (ej_meta_set(s, "head", hex) < 0) {
		ej_store_sqlerr(s, d, "meta.head");
		goto out;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ej_store_sqlerr(s, d, _("cannot commit"));
		goto out;
	}
	in_tx = 0;
	moved = 0;
	rc = 0;
stamp:
	iso_time(when, time(NULL));
	key = remote_key(name, "ejpulled");
	if (config_set(repo, key, when, d) < 0)
		rc = -1;
	free(key);
out:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (moved && git_reference_create_matching(&ref, repo, REF_MAIN,
	    &main_id, 1, &to, "ej-sync: pull undone") == 0)
		git_reference_free(ref);
	if (rc < 0)
		ej_sync_pull_result_free(r);
	git_revwalk_free(walk);
	git_remote_free(remote);
	free(mh);
	free(src);
	return rc;
}

/* --------------------------------------------------------------- actors */

int
ej_sync_mirror_actor(struct ej_store *s, int write, struct ej_diag *d)
{
	struct ej_actor a;
	char login[64], *url = NULL;
	int rc;

	if (ej_who_unix_login(login, sizeof login, d) < 0)
		return -1;
	if ((rc = ej_who_find(s, login, &a, d)) != 0)
		return rc < 0 ? -1 : 0;
	if ((rc = ej_sync_mirror_of(s, &url, d)) <= 0)
		return rc;
	if (write) {
		ej_error(d, EJ_EXIT_NOPERM, NULL, 0, 0,
		    _("this store is a mirror of %s: only ej-sync pull writes "
		    "it"), url);
		free(url);
		return -1;
	}
	free(url);
	memset(&a, 0, sizeof a);
	snprintf(a.login, sizeof a.login, "%s", login);
	snprintf(a.name, sizeof a.name, "%s", login);
	a.roles = EJ_ROLE_DEPUTY | EJ_ROLE_TECHNICIAN;
	ej_store_set_actor(s, &a);
	return 1;
}

/* --------------------------------------------------------------- status */

void
ej_sync_status_free(struct ej_sync_status *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].url);
		free(v[i].pushed_at);
		free(v[i].pulled_at);
	}
	free(v);
}

int
ej_sync_status_get(struct ej_store *s, const char *name,
    struct ej_sync_status **out, size_t *n, struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	char **names, *url;
	size_t count, i;
	git_oid head, tr;
	int has_head;

	*out = NULL;
	*n = 0;
	if (!repo)
		return -1;
	if (name) {
		if ((url = remote_url(repo, name)) == NULL)
			return ej_error(d, EJ_EXIT_DATAERR, NULL, 0, 0,
			    _("no remote %s; add one with: ej-sync remote add "
			    "NAME URL"), name);
		free(url);
	}
	names = remote_names(repo, &count);
	has_head = git_reference_name_to_id(&head, repo, REF_MAIN) == 0;
	*out = ej_xcalloc(count + 1, sizeof **out);
	for (i = 0; i < count; i++) {
		struct ej_sync_status *st = &(*out)[*n];
		char *k;

		if (name && strcmp(name, names[i]) != 0)
			continue;
		if ((url = remote_url(repo, names[i])) == NULL)
			continue;
		st->name = ej_xstrdup(names[i]);
		st->url = url;
		k = ej_xasprintf("refs/remotes/%s/main", st->name);
		st->known = git_reference_name_to_id(&tr, repo, k) == 0;
		free(k);
		if (st->known && has_head)
			git_graph_ahead_behind(&st->ahead, &st->behind, repo,
			    &head, &tr);
		else if (has_head) {
			/* Nothing known of it: all of main is to push. */
			git_revwalk *w;
			git_oid x;

			if (git_revwalk_new(&w, repo) == 0) {
				if (git_revwalk_push(w, &head) == 0)
					while (git_revwalk_next(&x, w) == 0)
						st->ahead++;
				git_revwalk_free(w);
			}
		}
		k = remote_key(st->name, "ejpushed");
		st->pushed_at = config_get(repo, k);
		free(k);
		k = remote_key(st->name, "ejpulled");
		st->pulled_at = config_get(repo, k);
		free(k);
		(*n)++;
	}
	names_free(names);
	return 0;
}

/* ---------------------------------------------------------------- audit */

void
ej_sync_findings_free(struct ej_sync_finding *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].detail);
	free(v);
}

static void
finding(struct ej_sync_finding **v, size_t *n, int sev, const char *rule,
    char *detail)
{
	*v = ej_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[*n].severity = sev;
	(*v)[*n].rule = rule;
	(*v)[*n].detail = detail;
	(*n)++;
}

static long
push_days(struct ej_store *s)
{
	struct ej_diag quiet;

	quiet_diag(&quiet, "ej");
	return ej_setting_int(s, "audit.push_days", 7, &quiet);
}

int
ej_sync_audit(struct ej_store *s, int online, long long now,
    const struct ej_sync_opts *o, struct ej_sync_finding **out, size_t *n,
    struct ej_diag *d)
{
	git_repository *repo = ej_store_repo(s, d);
	struct ej_sync_status *st = NULL;
	size_t ns = 0, i;
	long days;
	char *src = NULL;
	int mirror;

	*out = NULL;
	*n = 0;
	if (!repo || (mirror = ej_sync_mirror_of(s, &src, d)) < 0)
		return -1;
	if (ej_sync_status_get(s, NULL, &st, &ns, d) < 0) {
		free(src);
		return -1;
	}
	days = push_days(s);
	for (i = 0; i < ns; i++) {
		long long pushed = parse_iso(st[i].pushed_at),
		    pulled = parse_iso(st[i].pulled_at);

		if (mirror && strcmp(st[i].name, EJ_SYNC_SOURCE) == 0) {
			git_oid head, theirs;
			struct ej_diag quiet;
			size_t ahead = 0, behind = 0;

			if (online) {
				/* Fetched (main and the database stay): then
				 * what the mirror lacks can be counted. */
				git_remote *r = NULL;

				quiet_diag(&quiet, d->prog);
				if (lookup(repo, st[i].name, &r, &quiet) < 0 ||
				    fetch(repo, r, st[i].name, o, &theirs,
				    &quiet) < 0) {
					git_remote_free(r);
					finding(out, n, EJ_SYNC_WARNING,
					    "sync.mirror-behind", ej_xasprintf(
					    _("the mirror's source %s cannot be "
					    "reached"), st[i].url));
					continue;
				}
				git_remote_free(r);
				if (git_reference_name_to_id(&head, repo,
				    REF_MAIN) == 0 &&
				    git_graph_ahead_behind(&ahead, &behind, repo,
				    &head, &theirs) == 0)
					st[i].behind = behind;
			}
			if (st[i].behind > 0)
				finding(out, n, EJ_SYNC_WARNING,
				    "sync.mirror-behind", ej_xasprintf(
				    _("the mirror is %zu commits behind its "
				    "source %s"),
				    st[i].behind, st[i].url));
			else if (pulled < 0 || now - pulled > days * 86400)
				finding(out, n, EJ_SYNC_WARNING,
				    "sync.mirror-behind", ej_xasprintf(
				    _("the mirror was not pulled from %s for "
				    "more than %ld days"), st[i].url, days));
			continue;
		}
		if (st[i].ahead == 0)
			continue;
		if (pushed < 0)
			finding(out, n, EJ_SYNC_WARNING, "sync.push-stale",
			    ej_xasprintf(_("remote %s (%s) was never pushed "
			    "to"), st[i].name, st[i].url));
		else if (now - pushed > days * 86400)
			finding(out, n, EJ_SYNC_WARNING, "sync.push-stale",
			    ej_xasprintf(_("remote %s (%s): %zu commits not "
			    "pushed since %s, more than %ld days"), st[i].name,
			    st[i].url, st[i].ahead, st[i].pushed_at, days));
	}
	ej_sync_status_free(st, ns);
	free(src);
	return 0;
}
