/* lazy/lazy.h: load a shared library on the first call into it.
 *
 * Why: 'strata chain show FILE' is what admins run first and most often,
 * and it needs neither XML nor NBD nor a hash nor json-c (its JSON is
 * streamed by common/jsonw).  Linked the usual way, libxml2 (with ICU and
 * libstdc++), libnbd (with GnuTLS, p11-kit, nettle, ...), libcrypto and
 * json-c cost about 12 ms of loading, relocation and constructors on
 * every start on this machine kind: four times the whole walk of a
 * 256-deep chain.  So strata does not link them: lazy/lib*.c define
 * the functions strata calls from them under their own names, and each
 * such stub dlopen()s its library (by the soname ./configure read off the
 * -dev package's link) on its first call and jumps to the real function.
 * Commands that never touch XML, NBD, SHA-256 or json-c never load them.
 *
 * The stubs carry the libraries' own names on purpose, so no caller
 * changes; tests/func/symbols.sh exempts lazy/ from the st_ prefix rule
 * for that reason.  The executable does not export them, so a loaded
 * library still binds to its own functions.
 *
 * A library that cannot be loaded is a broken installation: the stub
 * prints which library, dlerror()'s reason and the Debian package to
 * install, and exits with status 1 (there is no sensible error value to
 * return from, say, xmlNewDoc()). */
#ifndef ST_LAZY_LAZY_H
#define ST_LAZY_LAZY_H

struct st_lazylib {
    const char *soname;     /* as ./configure found it: "libnbd.so.0" */
    const char *package;    /* Debian package that ships it */
    const char *purpose;    /* "XML", "NBD": what strata needs it for */
    void *handle;           /* dlopen() handle; NULL until loaded (atomic) */
};

/* The address of @name in @lib, loading @lib first if needed.  Never
 * returns NULL: exits with a message instead. */
void *st_lazylib_sym(struct st_lazylib *lib, const char *name);

/* ST_LAZY(LIB, RET, NAME, (PARAMS), (ARGS)) defines NAME with the
 * library's prototype (the library header must be included, so the
 * compiler checks the two agree).  The resolved address is cached; the
 * cache is atomic because NBD readers call in from several threads (two
 * threads racing store the same address). */
#define ST_LAZY_RESOLVE(lib, name) \
    static __typeof__(&name) st_lazy_fn_; \
    __typeof__(&name) f_ = __atomic_load_n(&st_lazy_fn_, __ATOMIC_ACQUIRE); \
    if (!f_) { \
        f_ = (__typeof__(&name)) st_lazylib_sym(&(lib), #name); \
        __atomic_store_n(&st_lazy_fn_, f_, __ATOMIC_RELEASE); \
    }

#define ST_LAZY(lib, ret, name, params, args) \
    ret name params \
    { \
        ST_LAZY_RESOLVE(lib, name) \
        return f_ args; \
    }

#define ST_LAZY_VOID(lib, name, params, args) \
    void name params \
    { \
        ST_LAZY_RESOLVE(lib, name) \
        f_ args; \
    }

#endif
