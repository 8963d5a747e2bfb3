/* python/guard.c: one thread at a time on a connection.  The module
 * releases the GIL during every library call (a merge runs for
 * minutes), so two Python threads could otherwise be inside libstrata
 * on the same connection at once, which strata.h does not allow.  The
 * lock is taken with the GIL released, so that a thread waiting for it
 * never blocks the thread inside (whose progress callback needs the
 * GIL). */
#include "python/module.h"

#include <pythread.h>

/* Take the lock, the GIL released while waiting for it. */
static void
take(stpy_conn *c)
{
    if (PyThread_acquire_lock(c->lock, NOWAIT_LOCK))
        return;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(c->lock, WAIT_LOCK);
    Py_END_ALLOW_THREADS
}

bool
stpy_guard_enter(stpy_conn *c)
{
    if (!c->conn) {
        stpy_raise_invalid("the connection is closed");
        return false;
    }
    /* A progress callback (this thread, inside a call) calling into the
     * same connection: the job holds the domain's lock, so the call
     * would wait for itself. */
    if (c->owner == PyThread_get_thread_ident()) {
        stpy_raise_invalid("the connection is inside a call in this thread "
                           "(a progress callback cannot use the connection of its job)");
        return false;
    }
    take(c);
    /* Closed by another thread while this one waited. */
    if (!c->conn) {
        PyThread_release_lock(c->lock);
        stpy_raise_invalid("the connection is closed");
        return false;
    }
    c->owner = PyThread_get_thread_ident();
    return true;
}

void
stpy_guard_leave(stpy_conn *c)
{
    c->owner = 0;
    PyThread_release_lock(c->lock);
}

bool
stpy_guard_acquire_for_free(stpy_conn *c)
{
    if (c->owner == PyThread_get_thread_ident())
        return false;
    take(c);
    return true;
}

void
stpy_guard_release(stpy_conn *c, bool taken)
{
    if (taken)
        PyThread_release_lock(c->lock);
}
