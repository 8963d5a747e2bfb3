/* nbd/sha256.c: a thin wrapper over OpenSSL's EVP SHA-256.  OpenSSL
 * failing to hash memory means a broken library, so it aborts like an
 * allocation failure rather than growing error paths nobody can test. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "nbd/sha256.h"

struct st_sha256 {
    EVP_MD_CTX *ctx;
};

/* Fetched once: the implicit fetch of EVP_sha256() costs a lookup per
 * init, which shows at one init per 64 KiB block. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
die(const char *what)
{
    fprintf(stderr, "strata: internal error: OpenSSL SHA-256: %s failed\n", what);
    abort();
}

static void
fetch_md(void)
{
    if (!(sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)))
        die("EVP_MD_fetch");
}

struct st_sha256 *
st_sha256_new(void)
{
    struct st_sha256 *s = malloc(sizeof *s);

    pthread_once(&sha256_once, fetch_md);
    if (!s || !(s->ctx = EVP_MD_CTX_new())) {
        fprintf(stderr, "strata: out of memory\n");
        abort();
    }
    return s;
}

void
st_sha256_free(struct st_sha256 *s)
{
    if (!s)
        return;
    EVP_MD_CTX_free(s->ctx);
    free(s);
}

void
st_sha256_init(struct st_sha256 *s)
{
    if (EVP_DigestInit_ex2(s->ctx, sha256_md, NULL) != 1)
        die("EVP_DigestInit_ex2");
}

void
st_sha256_update(struct st_sha256 *s, const void *buf, size_t len)
{
    if (EVP_DigestUpdate(s->ctx, buf, len) != 1)
        die("EVP_DigestUpdate");
}

void
st_sha256_final(struct st_sha256 *s, uint8_t out[ST_SHA256_LEN])
{
    unsigned int len = 0;

    if (EVP_DigestFinal_ex(s->ctx, out, &len) != 1 || len != ST_SHA256_LEN)
        die("EVP_DigestFinal_ex");
}

void
st_sha256_oneshot(struct st_sha256 *s, const void *buf, size_t len,
                  uint8_t out[ST_SHA256_LEN])
{
    st_sha256_init(s);
    st_sha256_update(s, buf, len);
    st_sha256_final(s, out);
}

void
st_hex(const uint8_t *bytes, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * len] = '\0';
}
