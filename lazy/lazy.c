/* lazy/lazy.c: dlopen() a library on first use (see lazy.h for why). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy/lazy.h"

static void *
load(struct st_lazylib *lib)
{
    void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);

    if (h)
        return h;
    /* RTLD_LOCAL: the library's symbols stay out of the global scope,
     * so they never meet the stubs' names there. */
    if (!(h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL))) {
        fprintf(stderr, "strata: cannot load %s, which strata needs for %s: %s\n"
                "strata: install it: apt-get install %s\n",
                lib->soname, lib->purpose, dlerror(), lib->package);
        exit(1);
    }
    /* Two threads may both have loaded it: dlopen() counts references,
     * and the spare one is harmless. */
    __atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
    return h;
}

void *
st_lazylib_sym(struct st_lazylib *lib, const char *name)
{
    void *h = load(lib);
    void *p;

    dlerror();
    if (!(p = dlsym(h, name))) {
        const char *why = dlerror();

        fprintf(stderr, "strata: %s has no '%s' (%s); strata was built against another version\n"
                "strata: reinstall it: apt-get install --reinstall %s\n",
                lib->soname, name, why ? why : "null symbol", lib->package);
        exit(1);
    }
    return p;
}
