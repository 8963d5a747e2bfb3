/* common/cleanup.h: scope-bound ownership.  Every _free() in strata
 * accepts NULL, so cleanups need no checks.  Declare cleanup variables
 * at the top of their block and always initialize them (NULL or -1). */
#ifndef ST_COMMON_CLEANUP_H
#define ST_COMMON_CLEANUP_H

#include <stdio.h>

#define ST_CLEANUP(fn) __attribute__((cleanup(fn)))

void st_cleanup_free(void *ptr);     /* free(*(void **) ptr) */
void st_cleanup_close(int *fd);      /* close(*fd) if >= 0; keeps errno */
void st_cleanup_fclose(FILE **fp);   /* fclose(*fp) if set; keeps errno */
void st_cleanup_strv(char ***strv);  /* a NULL-terminated array of strings */

#define CLEANUP_FREE   ST_CLEANUP(st_cleanup_free)
#define CLEANUP_CLOSE  ST_CLEANUP(st_cleanup_close)
#define CLEANUP_FCLOSE ST_CLEANUP(st_cleanup_fclose)
#define CLEANUP_STRV   ST_CLEANUP(st_cleanup_strv)

/* One line per owned type, in the header that declares its _free(). */
#define ST_DEFINE_CLEANUP(name, type, freefn) \
    static inline void name(type *p) { freefn(*p); }

/* Hand an owned pointer out of a CLEANUP_ variable. */
#define ST_STEAL(pp) \
    __extension__ ({ __typeof__(*(pp)) st_steal_ = *(pp); *(pp) = NULL; st_steal_; })

/* Hand an owned fd out of a CLEANUP_CLOSE variable. */
#define ST_STEAL_FD(pfd) \
    __extension__ ({ int st_steal_fd_ = *(pfd); *(pfd) = -1; st_steal_fd_; })

#endif
