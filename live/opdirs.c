/* live/opdirs.c: claiming transient QSD run directories and sweeping
 * those a dead strata left (opdirs.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/deadline.h"
#include "common/log.h"
#include "common/path.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "live/opdirs.h"

ST_LOG_INIT("live.opdirs");

bool
st_opdir_claim(const char *dir, struct st_error **errp)
{
    CLEANUP_FREE char *path = st_path_join(dir, "strata.pid");
    CLEANUP_FREE char *text = st_xasprintf("%d\n", (int) getpid());

    return st_path_write_atomic(path, 0600, text, strlen(text), errp);
}

/* The pid in @dir/@name, or 0. */
static pid_t
read_pid(const char *dir, const char *name)
{
    CLEANUP_FREE char *path = st_path_join(dir, name);

    return st_proc_pid_file_read(path);
}

static void
end_orphan(pid_t pid, const char *dir, int grace_ms)
{
    struct st_deadline dl = st_deadline_in_ms(grace_ms);

    st_warn("qsd", "stopping QSD pid %d, left running in %s by a strata that died", (int) pid,
            dir);
    kill(pid, SIGTERM);
    while (st_proc_pid_alive(pid) && !st_deadline_expired(&dl)) {
        struct timespec ts = { 0, 5 * 1000 * 1000 };

        nanosleep(&ts, NULL);   /* not our child: no wait to block on */
    }
    if (st_proc_pid_alive(pid))
        kill(pid, SIGKILL);
}

unsigned
st_opdirs_sweep(const char *run_root, int grace_ms)
{
    DIR *d = opendir(run_root);
    struct dirent *e;
    unsigned removed = 0;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        CLEANUP_FREE char *dir = NULL;
        struct stat st;
        pid_t owner, qsd;

        if (strncmp(e->d_name, "op-", 3) != 0)
            continue;
        dir = st_path_join(run_root, e->d_name);
        owner = read_pid(dir, "strata.pid");
        if (owner == getpid() || st_proc_pid_alive(owner))
            continue;
        /* Unclaimed and new: its strata may be between mkdtemp() and
         * st_opdir_claim(). */
        if (!owner && stat(dir, &st) == 0 && time(NULL) - st.st_mtime < 60)
            continue;
        qsd = read_pid(dir, "qsd.pid");
        if (st_proc_cmdline_has(qsd, dir))
            end_orphan(qsd, dir, grace_ms);
        if (st_path_remove_tree(dir, NULL)) {
            st_debug("removed %s, left by a strata that died", dir);
            removed++;
        }
    }
    closedir(d);
    return removed;
}
