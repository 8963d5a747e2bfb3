/* python/module.h: what the files of the `strata` extension module
 * share.  The module is a client of include/strata.h like any other
 * program: it includes <strata.h>, Python.h and system headers only
 * (tests/func/layering.sh), and links libstrata.so the ordinary way.
 *
 * Python.h comes first, before any system header, as the CPython
 * manual requires (it sets feature macros that change them). */
#ifndef STPY_MODULE_H
#define STPY_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <strata.h>

/* ---- scope-bound ownership (STYLE.md §4), for this module's types -- */

static inline void stpy_cleanup_pyobj(PyObject **p) { Py_XDECREF(*p); }
static inline void stpy_cleanup_free(void *p) { free(*(void **) p); }
static inline void stpy_cleanup_names(char ***p) { strata_names_free(*p); }

#define CLEANUP_PYOBJ __attribute__((cleanup(stpy_cleanup_pyobj)))
#define CLEANUP_FREE  __attribute__((cleanup(stpy_cleanup_free)))
#define CLEANUP_NAMES __attribute__((cleanup(stpy_cleanup_names)))

/* Hand an owned pointer out of a CLEANUP_ variable. */
#define STPY_STEAL(pp) \
    __extension__ ({ __typeof__(*(pp)) stpy_steal_ = *(pp); *(pp) = NULL; stpy_steal_; })

/* A method table entry taking keywords, without -Wcast-function-type. */
#define STPY_METHOD(name, fn, doc) \
    { name, (PyCFunction) (void (*)(void)) (fn), METH_VARARGS | METH_KEYWORDS, doc }

/* ---- errors (errors.c) and arguments (args.c) ---------------------- */

/* Make strata.Error and one subclass per strata_error_code; add them
 * and the ERR_* numbers to @module.  0, or -1 with an exception. */
int stpy_errors_init(PyObject *module);
/* Raise the subclass of the calling thread's last strata error.
 * Returns NULL for the caller's return statement. */
PyObject *stpy_raise_last(void);
int stpy_raise_last_int(void);
/* Raise strata.InvalidArgError with @fmt (PyUnicode_FromFormat). */
PyObject *stpy_raise_invalid(const char *fmt, ...);
/* The class for @code (borrowed; strata.Error for an unknown code). */
PyObject *stpy_error_class(int code);
/* PyArg_ParseTupleAndKeywords, with a bad argument (unknown keyword,
 * wrong type, embedded NUL) raised as strata.InvalidArgError, so that
 * every refused argument is one exception. */
int stpy_parse(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, ...);
/* "O&" converters: a path (str, bytes, os.PathLike; with _or_none also
 * None) as a new bytes reference in a PyObject * (NULL for None).  The
 * variable is the caller's to drop (CLEANUP_PYOBJ, set to NULL first). */
int stpy_path_conv(PyObject *o, void *result);
int stpy_path_or_none_conv(PyObject *o, void *result);
/* The bytes' buffer, or NULL for NULL. */
const char *stpy_bytes_or_null(PyObject *b);
/* The flags whose keyword @on[i] is true. */
unsigned stpy_flags(const int *on, const unsigned *bits, size_t n);

/* ---- connections (conn.c) and their guard (guard.c) ------------------- */

/* One lock per connection: strata.h allows one thread at a time on a
 * connection and everything obtained through it, while the module
 * releases the GIL during every call.  @owner is the thread inside a
 * call, so that a progress callback calling back into the same
 * connection is refused instead of deadlocking. */
typedef struct {
    PyObject_HEAD
    strata_conn *conn;          /* owned; NULL once closed */
    PyThread_type_lock lock;    /* owned */
    unsigned long owner;        /* thread ident inside a call, or 0 */
    PyObject *weakrefs;
} stpy_conn;

extern PyTypeObject stpy_conn_type;

/* Take @c's lock for one library call (the GIL released while waiting).
 * false with strata.InvalidArgError when @c is closed or this thread is
 * already inside a call on it (a progress callback). */
bool stpy_guard_enter(stpy_conn *c);
void stpy_guard_leave(stpy_conn *c);
/* For a free function run from a deallocator: take the lock unless this
 * thread holds it already (a callback, while the job is paused in this
 * same thread, so no other code touches the connection).  Returns
 * whether it took it, for stpy_guard_release(). */
bool stpy_guard_acquire_for_free(stpy_conn *c);
void stpy_guard_release(stpy_conn *c, bool taken);
/* Around a library call made with the GIL released (stpy_guard_enter()
 * and _leave() do it; a call without a connection does it itself): the
 * count of calls running, in any thread, is what set_log_callback()
 * reads to keep strata.h's rule that the callback is not changed while
 * the library runs.  Both with the GIL held; false with InvalidArgError
 * inside a log callback, which may not call the library. */
bool stpy_call_begin(void);
void stpy_call_end(void);
long stpy_calls_running(void);

/* ---- disks (disks.c) -------------------------------------------------- */

/* The disks of define_as() from @spec: a mapping {dev: path} or an
 * iterable of (dev, path[, format]) sequences or mappings with keys dev,
 * path, format.  The strings point into *@keep (a new list the caller
 * drops after the call).  NULL with InvalidArgError when malformed. */
strata_disk *stpy_disks_from(PyObject *spec, size_t *n, PyObject **keep);
/* The same for snapshot_create_as(): a mapping {dev: file or None} or an
 * iterable of "dev", (dev, file[, exclude]) or mappings with keys dev,
 * file, exclude. */
strata_diskspec *stpy_diskspecs_from(PyObject *spec, size_t *n, PyObject **keep);

/* ---- domains (domain.c) and snapshots (snapshot.c) ------------------- */

typedef struct {
    PyObject_HEAD
    stpy_conn *conn;            /* a reference: the lock and the open check */
    strata_domain *dom;         /* owned */
    PyObject *name;             /* str, read when made: the library's getter
                                 * refuses a handle of a closed connection */
    PyObject *weakrefs;
} stpy_domain;

typedef struct {
    PyObject_HEAD
    stpy_domain *domain;        /* a reference */
    strata_snapshot *snap;      /* owned */
    PyObject *name;             /* str, as stpy_domain's */
    PyObject *weakrefs;
} stpy_snapshot;

extern PyTypeObject stpy_domain_type;
extern PyTypeObject stpy_snapshot_type;

/* New Python objects owning @dom / @snap (consumed, also on failure). */
PyObject *stpy_domain_wrap(stpy_conn *conn, strata_domain *dom);
PyObject *stpy_snapshot_wrap(stpy_domain *domain, strata_snapshot *snap);
/* Look up snapshot @name of @domain (the iterator's factory). */
PyObject *stpy_snapshot_lookup_name(PyObject *domain, const char *name);
/* Look up domain @name of @conn (the iterator's factory). */
PyObject *stpy_domain_lookup_name(PyObject *conn, const char *name);

/* "O&": a snapshot as a str, a Snapshot or None, into a const char *
 * (NULL for None) borrowed from the argument (live.c). */
int stpy_snapshot_name_conv(PyObject *o, void *result);

/* Methods of Domain that live in files of their own. */
PyObject *stpy_domain_start(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_stop(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_is_active(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_export(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_list_exports(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_export_stop(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_digest(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_diff(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_list_jobs(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_block_commit(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_block_pull(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_domain_list_orphans(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_snapshot_delete(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *stpy_snapshot_delete_plan(PyObject *self, PyObject *args, PyObject *kwargs);

/* ---- lists (iter.c) ----------------------------------------------------- */

extern PyTypeObject stpy_iter_type;

/* An iterator over @names (consumed) that yields make(owner, name) for
 * each, lazily: a handle is a name (strata-api(3)), so each is looked up
 * when reached and one deleted meanwhile raises NotFoundError. */
PyObject *stpy_iter_new(PyObject *owner, char **names,
                        PyObject *(*make)(PyObject *owner, const char *name));
/* A list of str from @names (borrowed), or NULL with an exception. */
PyObject *stpy_names_to_list(char *const *names, int n);

/* ---- long jobs (progress.c) ------------------------------------------- */

/* A progress callback's state across one library call. */
struct stpy_progress {
    PyObject *fn;               /* borrowed: the callable, or NULL */
    PyObject *exc;              /* owned: what it raised (cancels), or NULL */
};

/* The strata_progress_fn to pass with a struct stpy_progress as opaque;
 * called without the GIL, it takes it to run the callable.  Also cancels
 * on a pending signal (Ctrl-C), raised as KeyboardInterrupt. */
int stpy_progress_call(uint64_t done, uint64_t total, void *opaque);
/* @fn None or a callable into @p; false with InvalidArgError otherwise. */
bool stpy_progress_init(struct stpy_progress *p, PyObject *fn);
/* After a call that returned @failed: raise what the outcome says (the
 * last strata error, chained to the callback's exception when it
 * cancelled) and return NULL, or return Py_None's new reference. */
PyObject *stpy_progress_finish(struct stpy_progress *p, bool failed);

/* ---- records (records.c): struct sequences ------------------------------ */

extern PyTypeObject *stpy_disk_type, *stpy_layer_type, *stpy_fault_type,
    *stpy_plan_step_type, *stpy_plan_type, *stpy_export_type, *stpy_extent_type,
    *stpy_snapshot_info_type, *stpy_orphan_type, *stpy_job_type;

int stpy_records_init(PyObject *module);
PyObject *stpy_disk_new(const strata_disk *d);
PyObject *stpy_export_new(const strata_export *e);
PyObject *stpy_extent_new(const strata_extent *e);
PyObject *stpy_fault_new(const char *code, const char *message, const char *hint);
/* A Layer of @l with @faults (a tuple, borrowed). */
PyObject *stpy_layer_new(const strata_layer *l, PyObject *faults);
PyObject *stpy_plan_new(const strata_plan *plan);
PyObject *stpy_snapshot_info_new(const strata_snapshot_info *info);
PyObject *stpy_orphan_new(const strata_orphan *o);
PyObject *stpy_job_new(const strata_job *j);
/* The string or None (new references). */
PyObject *stpy_str_or_none(const char *s);

/* ---- chains (chain.c) ------------------------------------------------- */

extern PyTypeObject stpy_chain_type;

/* A Chain owning @chain (consumed). */
PyObject *stpy_chain_wrap(strata_chain *chain);
PyObject *stpy_chain_open_file(PyObject *self, PyObject *args, PyObject *kwargs);

/* ---- the log callback (log.c) -------------------------------------- */

/* Makes sure the library stops calling into Python once the
 * interpreter is gone.  0, or -1 with an exception. */
int stpy_log_init(PyObject *module);
PyObject *stpy_set_log_callback(PyObject *self, PyObject *args, PyObject *kwargs);
/* Whether this thread is running the log callback. */
bool stpy_log_in_callback(void);

#endif
