/* lazy/libcrypto.c: the libcrypto (OpenSSL) functions strata calls for
 * SHA-256, loaded on first use (lazy.h says why).  Add a line here when
 * strata calls a new one: the link fails until you do. */
#include "config.h"

#include <openssl/evp.h>

#include "lazy/lazy.h"

static struct st_lazylib libcrypto = {
    .soname = ST_SONAME_LIBCRYPTO, .package = "libssl3", .purpose = "SHA-256",
};

ST_LAZY(libcrypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s),
        (ctx, md, s))
ST_LAZY(libcrypto, int, EVP_DigestInit_ex2, (EVP_MD_CTX *ctx, const EVP_MD *type, const OSSL_PARAM params[]),
        (ctx, type, params))
ST_LAZY(libcrypto, int, EVP_DigestUpdate, (EVP_MD_CTX *ctx, const void *d, size_t cnt), (ctx, d, cnt))
ST_LAZY_VOID(libcrypto, EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx))
ST_LAZY(libcrypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
ST_LAZY(libcrypto, EVP_MD *, EVP_MD_fetch, (OSSL_LIB_CTX *ctx, const char *algorithm, const char *properties),
        (ctx, algorithm, properties))
