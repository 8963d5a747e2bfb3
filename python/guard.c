/* python/guard.c: one thread at a time on a connection.  The module
 * releases the GIL during every library call (a merge runs for
 * minutes), so two Python threads could otherwise be inside libstrata
 * on the same connection at once, which strata.h does not allow.  The
 * lock is taken with the GIL released, so that a thread waiting for it
 * never blocks the thread inside (whose progress callback needs the
 * GIL).  Every such call is also counted, across connections, for the
 * one setting that is the process's: the log callback (log.c). */
#include "python/module.h"

#include <pythread.h>

/* Library calls begun (waiting for their connection's lock, or running
 * with the GIL released) in any thread, and log callbacks running
 * (log.c).  Read and written with the GIL held only, so that
 * set_log_callback(), which holds the GIL throughout, sees none start
 * while it changes the callback. */
static long calls_running;

bool
stpy_call_begin(void)
{
    /* The log callback may run in a library thread of a call that holds
     * a connection's lock and waits for that thread: a call from it
     * would wait for itself. */
    if (stpy_log_in_callback()) {
        stpy_raise_invalid("a log callback cannot call strata");
        return false;
    }
    calls_running++;
    return true;
}

void
stpy_call_end(void)
{
    calls_running--;
}

long
stpy_calls_running(void)
{
    return calls_running;
}

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
    /* Counted from before the wait for the lock: the call has begun,
     * for set_log_callback(), once this thread may run it. */
    if (!stpy_call_begin())
        return false;
    if (!c->conn) {
        stpy_call_end();
        stpy_raise_invalid("the connection is closed");
        return false;
    }
    /* A progress callback (this thread, inside a call) calling into the
     * same connection: the job holds the domain's lock, so the call
     * would wait for itself. */
    if (c->owner == PyThread_get_thread_ident()) {
        stpy_call_end();
        stpy_raise_invalid("the connection is inside a call in this thread "
                           "(a progress callback cannot use the connection of its job)");
        return false;
    }
    take(c);
    /* Closed by another thread while this one waited. */
    if (!c->conn) {
        PyThread_release_lock(c->lock);
        stpy_call_end();
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
    stpy_call_end();
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
