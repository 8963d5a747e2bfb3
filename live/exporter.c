/* live/exporter.c: a domain's export QSD (live, export-only or
 * transient) and its record of exports. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/proc.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/bitmap.h"
#include "qmp/blockdev.h"
#include "qmp/export.h"
#include "qmp/fleece.h"
#include "live/exporter.h"

ST_LOG_INIT("live.exporter");

enum {
    ATTACH_MS = 10 * 1000,
    EXPORT_DEL_MS = 10 * 1000,
    RECORD_MAX = 4 << 20,
};

char *
st_exporter_export_dir(const char *run_root, const char *dom)
{
    CLEANUP_FREE char *live = st_session_live_dir(run_root, dom);

    return st_path_join(live, "export");
}

/* True if the pid in DIR/qsd.pid is alive and its command line names
 * DIR/qsd.pid (not a recycled pid; the --pidfile argument is not
 * comma-escaped, unlike the socket in --chardev).  Reading /proc never
 * blocks, unlike a QMP connect to a monitor another client holds. */
static bool
qsd_alive(const char *dir)
{
    CLEANUP_FREE char *pid_path = st_path_join(dir, "qsd.pid");

    return st_proc_cmdline_has(st_proc_pid_file_read(pid_path), pid_path);
}

static struct json_object *
record_load(const char *dir)
{
    CLEANUP_FREE char *path = st_path_join(dir, "exports.json");
    CLEANUP_FREE char *text = st_path_read(path, RECORD_MAX, NULL, NULL);
    struct json_object *j = NULL;
    struct st_error *err = NULL;

    if (text && !(j = st_json_parse(text, path, &err))) {
        st_debug("ignoring unreadable %s: %s", path, err->msg);
        st_error_free(err);
    }
    if (j && !json_object_is_type(j, json_type_object)) {
        json_object_put(j);
        j = NULL;
    }
    if (!j)
        j = json_object_new_object();
    if (!st_json_get_object(j, "exports"))
        json_object_object_add(j, "exports", json_object_new_object());
    return j;
}

/* Whether export record @r uses node @node (its own or one it opened). */
static bool
record_uses(struct json_object *r, const char *node)
{
    struct json_object *opened = st_json_get_array(r, "opened");
    const char *own = st_json_get_string(r, "node");

    if (own && strcmp(own, node) == 0)
        return true;
    for (size_t i = 0; opened && i < json_object_array_length(opened); i++) {
        const char *n = json_object_get_string(json_object_array_get_idx(opened, i));

        if (n && strcmp(n, node) == 0)
            return true;
    }
    return false;
}

/* The check of st_exporter_check_unheld() for the QSD of @dir; @live:
 * the domain's own QSD, whose disk-DEV exports (the active layers) are
 * the live merge's to handle and so do not count. */
static bool
check_unheld_in(const char *dir, bool live, const char *dom, char *const *paths,
                struct st_error **errp)
{
    CLEANUP_FREE char *pid_path = NULL;
    CLEANUP_FREE char *pid = NULL;
    CLEANUP_JSON struct json_object *rec = NULL;
    struct json_object *exports;
    const char *holder = NULL;
    const char *held = NULL;

    if (!st_exporter_clean_stale(dir))
        return true;
    rec = record_load(dir);
    exports = st_json_get_object(rec, "exports");
    for (size_t i = 0; paths && paths[i] && !holder; i++) {
        CLEANUP_FREE char *node = st_session_node_name(paths[i]);

        json_object_object_foreach(exports, id, r) {
            if (live && strncmp(id, "pit-", 4) != 0)
                continue;
            if (record_uses(r, node)) {
                holder = st_json_get_string(r, "snapshot");
                held = paths[i];
                if (!holder)
                    holder = "";
                break;
            }
        }
    }
    if (!holder)
        return true;
    pid_path = st_path_join(dir, "qsd.pid");
    pid = st_path_read(pid_path, 64, NULL, NULL);
    if (pid)
        pid[strcspn(pid, "\n")] = '\0';
    if (*holder)
        st_error_set(errp, ST_E_BUSY, "snapshot '%s' is exported by %s %s, which holds '%s' open",
                     holder, live ? "the live QSD of the domain, pid" : "pid", pid ? pid : "?",
                     held);
    else
        st_error_set(errp, ST_E_BUSY,
                     "the current state of domain '%s' is exported by %s %s, which holds '%s' open",
                     dom, live ? "the live QSD of the domain, pid" : "pid", pid ? pid : "?", held);
    st_error_set_path(errp, held);
    if (*holder)
        st_error_hint(errp, "its NBD clients would read changed data: stop the export with "
                      "'strata export %s --snapshot %s --stop' first", dom, holder);
    else
        st_error_hint(errp, "stop it with 'strata export %s --stop'", dom);
    return false;
}

bool
st_exporter_check_unheld(const char *run_root, const char *dom, char *const *paths,
                         char *const *changed, struct st_error **errp)
{
    CLEANUP_FREE char *exp_dir = st_exporter_export_dir(run_root, dom);
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);

    return check_unheld_in(exp_dir, false, dom, paths, errp) &&
           check_unheld_in(live_dir, true, dom, changed, errp);
}

static void
unlink_socket(const char *path)
{
    struct stat st;

    if (path && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
}

/* Remove a live backup's fleecing file, only inside the QSD's run
 * directory @dir (where strata made it), never a file a record names
 * elsewhere. */
static void
remove_temp_file(const char *dir, const char *path)
{
    size_t n = strlen(dir);

    if (strncmp(path, dir, n) != 0 || path[n] != '/' || strchr(path + n + 1, '/')) {
        st_debug("not removing %s: outside %s", path, dir);
        return;
    }
    if (unlink(path) < 0 && errno != ENOENT)
        st_debug("cannot remove %s: %s", path, strerror(errno));
}

static void
remove_backup_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);

        if (strncmp(de->d_name, "backup-", 7) == 0 && n > 13 &&
            strcmp(de->d_name + n - 6, ".qcow2") == 0) {
            CLEANUP_FREE char *p = st_path_join(dir, de->d_name);

            remove_temp_file(dir, p);
        }
    }
    closedir(d);
}

bool
st_exporter_job_recorded(const char *dir, const char *job_id)
{
    CLEANUP_JSON struct json_object *rec = record_load(dir);

    json_object_object_foreach(st_json_get_object(rec, "exports"), id, r) {
        const char *job = st_json_get_string(r, "job");

        (void) id;
        if (job && strcmp(job, job_id) == 0)
            return true;
    }
    return false;
}

bool
st_exporter_clean_stale(const char *dir)
{
    CLEANUP_JSON struct json_object *rec = NULL;
    const char *nbd;
    static const char *const files[] = { "qsd.pid", "qmp.sock", "exports.json" };

    if (qsd_alive(dir))
        return true;
    rec = record_load(dir);
    if ((nbd = st_json_get_string(rec, "nbd")) && strncmp(nbd, "unix:", 5) == 0)
        unlink_socket(nbd + 5);
    /* The fleecing files of live backups the dead QSD was running,
     * also one whose export a killed strata never recorded (they are
     * all named backup-DEV.qcow2, and only strata writes here). */
    json_object_object_foreach(st_json_get_object(rec, "exports"), id, r) {
        const char *tmp = st_json_get_string(r, "temp-file");

        (void) id;
        if (tmp)
            remove_temp_file(dir, tmp);
    }
    remove_backup_files(dir);
    {
        CLEANUP_FREE char *sock = st_path_join(dir, "nbd.sock");

        unlink_socket(sock);
    }
    for (size_t i = 0; i < ST_ARRAY_SIZE(files); i++) {
        CLEANUP_FREE char *p = st_path_join(dir, files[i]);

        if (unlink(p) == 0)
            st_debug("removed stale %s", p);
    }
    return false;
}

bool
st_exporter_save(struct st_exporter *ex, struct st_error **errp)
{
    CLEANUP_FREE char *path = st_path_join(ex->dir, "exports.json");
    CLEANUP_FREE char *nbd = st_nbd_addr_format(&ex->addr);
    CLEANUP_FREE char *text = NULL;

    json_object_object_add(ex->record, "nbd", json_object_new_string(nbd));
    text = st_json_pretty(ex->record);
    return st_path_write_atomic(path, 0600, text, strlen(text), errp);
}

/* The session of a QSD this module started or attached to itself. */
struct st_session *
st_exporter_session_of(struct st_qsd *qsd)
{
    struct st_session *sess = st_xcalloc(1, sizeof *sess);

    sess->qsd = qsd;
    sess->live = true;      /* st_session_free() must not remove the directory */
    sess->run_dir = st_xstrdup(qsd->run_dir);
    return sess;
}

/* QEMU unlinks whatever sits at a unix socket path before it binds:
 * never let that be a file, nor a socket someone listens on. */
static bool
check_socket_path(const char *path, struct st_error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    CLEANUP_CLOSE int fd = -1;

    if (lstat(path, &st) < 0)
        return true;
    if (!S_ISSOCK(st.st_mode)) {
        st_error_set(errp, ST_E_CONFLICT, "'%s' exists and is not a socket", path);
        st_error_set_path(errp, path);
        return false;
    }
    if (strlen(path) < sizeof sa.sun_path) {
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
            connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0) {
            st_error_set(errp, ST_E_BUSY, "a server already listens on '%s'", path);
            st_error_set_path(errp, path);
            return false;
        }
    }
    st_debug("removing stale socket %s", path);
    unlink(path);
    return true;
}

bool
st_exporter_start_server(struct st_exporter *ex, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);

    if (ex->addr.tcp) {
        if (!st_qmp_nbd_server_start_tcp(qmp, ex->addr.host, ex->addr.port, errp)) {
            st_error_hint(errp, "is another server using %s:%s? choose another --nbd tcp:HOST:PORT",
                          ex->addr.host, ex->addr.port);
            return false;
        }
        return true;
    }
    if (!check_socket_path(ex->addr.path, errp))
        return false;
    if (!st_qmp_nbd_server_start(qmp, ex->addr.path, errp))
        return false;
    /* SPEC §8: sockets 0600 (QSD creates it with strata's umask). */
    if (chmod(ex->addr.path, 0600) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot chmod NBD socket '%s'", ex->addr.path);
        return false;
    }
    return true;
}

/* The address @record names, else DIR/nbd.sock (the default). */
static void
addr_of(struct json_object *record, const char *dir, struct st_nbd_addr *out)
{
    const char *nbd = st_json_get_string(record, "nbd");

    if (!nbd || !st_nbd_addr_parse(nbd, out, NULL)) {
        CLEANUP_FREE char *sock = st_path_join(dir, "nbd.sock");

        st_nbd_addr_set_unix(out, sock);
    }
}

struct st_exporter *
st_exporter_wrap(struct st_session *sess, enum st_exporter_kind kind, const char *dir)
{
    struct st_exporter *ex = st_xcalloc(1, sizeof *ex);

    ex->sess = sess;
    ex->kind = kind;
    ex->dir = st_xstrdup(dir);
    ex->record = record_load(dir);
    addr_of(ex->record, dir, &ex->addr);
    return ex;
}

void
st_exporter_addr_of(const char *dir, struct st_nbd_addr *out)
{
    CLEANUP_JSON struct json_object *record = record_load(dir);

    addr_of(record, dir, out);
}

/* A QSD of ours already serves exports: its server is the one to use. */
static bool
check_same_addr(struct st_exporter *ex, const struct st_nbd_addr *want, const char *dom,
                struct st_error **errp)
{
    CLEANUP_FREE char *have = NULL;

    if (!want || st_nbd_addr_equal(want, &ex->addr))
        return true;
    have = st_nbd_addr_format(&ex->addr);
    st_error_set(errp, ST_E_CONFLICT, "domain '%s': its QSD's NBD server listens on %s", dom,
                 have);
    st_error_hint(errp, "leave out --nbd to use that server");
    return false;
}

static struct st_exporter *
open_new_export_qsd(const char *run_root, const char *dom, const char *dir, bool detached,
                    const struct st_nbd_addr *addr, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);
    struct st_qsd_opts opts = { .long_running = detached };
    struct st_exporter *ex;
    struct st_qsd *qsd;

    if (!st_path_mkdir_p(live_dir, 0700, errp))
        return NULL;
    if (!(qsd = st_qsd_start(dir, &opts, errp)))
        return NULL;
    ex = st_exporter_wrap(st_exporter_session_of(qsd), detached ? ST_EXPORTER_DETACHED : ST_EXPORTER_FOREGROUND,
                      dir);
    if (addr)
        st_nbd_addr_copy(&ex->addr, addr);
    if (!st_exporter_start_server(ex, errp) || !st_exporter_save(ex, errp)) {
        st_qsd_stop(qsd, NULL);
        if (!ex->addr.tcp)
            unlink_socket(ex->addr.path);
        st_path_remove_tree(dir, NULL);
        ex->kind = ST_EXPORTER_DETACHED;    /* nothing left to stop */
        st_exporter_free(ex);
        return NULL;
    }
    return ex;
}

struct st_exporter *
st_exporter_open(const char *run_root, const char *dom, enum st_exporter_need need,
                 const struct st_nbd_addr *addr, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);
    CLEANUP_FREE char *exp_dir = st_exporter_export_dir(run_root, dom);
    struct st_exporter *ex = NULL;
    struct st_session *sess;
    struct st_qsd *qsd;

    if (st_exporter_clean_stale(live_dir)) {
        if (!(sess = st_session_open(run_root, dom, errp)))
            return NULL;
        ex = st_exporter_wrap(sess, ST_EXPORTER_LIVE, live_dir);
    } else if (need == ST_EXPORTER_NEED_READ) {
        if (!(sess = st_session_open(run_root, dom, errp)))
            return NULL;
        ex = st_exporter_wrap(sess, ST_EXPORTER_TRANSIENT, sess->run_dir);
        if (!st_exporter_start_server(ex, errp)) {
            st_exporter_free(ex);
            return NULL;
        }
        return ex;
    } else if (st_exporter_clean_stale(exp_dir)) {
        if (!(qsd = st_qsd_attach(exp_dir, ATTACH_MS, errp)))
            return NULL;
        ex = st_exporter_wrap(st_exporter_session_of(qsd), ST_EXPORTER_DETACHED, exp_dir);
    } else if (need == ST_EXPORTER_NEED_EXISTING) {
        st_path_remove_tree(exp_dir, NULL);     /* what a dead export QSD left */
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' is not live and has no exports", dom);
        return NULL;
    } else {
        return open_new_export_qsd(run_root, dom, exp_dir, need == ST_EXPORTER_NEED_EXPORT, addr,
                                   errp);
    }
    if (!check_same_addr(ex, addr, dom, errp)) {
        st_exporter_free(ex);
        return NULL;
    }
    return ex;
}

void
st_exporter_free(struct st_exporter *ex)
{
    if (!ex)
        return;
    st_session_free(ex->sess);
    if (ex->kind == ST_EXPORTER_FOREGROUND) {
        /* The child QSD was stopped with the session. */
        if (!ex->addr.tcp)
            unlink_socket(ex->addr.path);
        st_path_remove_tree(ex->dir, NULL);
    }
    json_object_put(ex->record);
    st_nbd_addr_clear(&ex->addr);
    free(ex->dir);
    free(ex);
}

struct json_object *
st_export_to_json(const struct st_export *e)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_string(e->id));
    json_object_object_add(o, "name", json_object_new_string(e->name));
    json_object_object_add(o, "uri", json_object_new_string(e->uri));
    json_object_object_add(o, "disk", st_json_string_or_null(e->disk));
    json_object_object_add(o, "snapshot", st_json_string_or_null(e->snapshot));
    json_object_object_add(o, "writable", json_object_new_boolean(e->writable));
    json_object_object_add(o, "node", st_json_string_or_null(e->node));
    if (e->since) {
        CLEANUP_FREE char *ctx = st_xasprintf("qemu:dirty-bitmap:%s", e->bitmap);

        json_object_object_add(o, "since", json_object_new_string(e->since));
        json_object_object_add(o, "meta-context", json_object_new_string(ctx));
    }
    return o;
}

void
st_export_clear(struct st_export *e)
{
    free(e->id);
    free(e->name);
    free(e->uri);
    free(e->node);
    free(e->disk);
    free(e->snapshot);
    free(e->since);
    free(e->bitmap_node);
    free(e->bitmap);
    free(e->job);
    free(e->temp_file);
    st_strv_free(e->opened);
    memset(e, 0, sizeof *e);
}

char *
st_exporter_pit_id(const struct st_view *v, const char *since)
{
    /* FNV-1a over "SNAPSHOT\0DEV" (and "\0SINCE"): QMP ids allow
     * letters, digits, '-', '.', '_' only, snapshot names anything
     * printable. */
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *parts[3] = { v->snapshot ? v->snapshot : "", v->dev, since };

    for (int i = 0; i < (since ? 3 : 2); i++) {
        for (const unsigned char *p = (const unsigned char *) parts[i]; ; p++) {
            h ^= *p;
            h *= 0x100000001b3ULL;
            if (!*p)
                break;
        }
    }
    return st_xasprintf("pit-%016" PRIx64 "%s", h, since ? "-since" : v->snapshot ? "" : "-cur");
}

static void
export_from_record(struct st_exporter *ex, const char *id, struct json_object *r,
                   struct st_export *out)
{
    struct json_object *opened = st_json_get_array(r, "opened");
    const char *s;

    memset(out, 0, sizeof *out);
    out->id = st_xstrdup(id);
    out->name = st_xstrdup((s = st_json_get_string(r, "name")) ? s : id);
    out->uri = st_nbd_addr_uri(&ex->addr, out->name);
    out->node = (s = st_json_get_string(r, "node")) ? st_xstrdup(s) : NULL;
    out->disk = (s = st_json_get_string(r, "disk")) ? st_xstrdup(s) : NULL;
    out->snapshot = (s = st_json_get_string(r, "snapshot")) ? st_xstrdup(s) : NULL;
    out->since = (s = st_json_get_string(r, "since")) ? st_xstrdup(s) : NULL;
    out->bitmap_node = (s = st_json_get_string(r, "bitmap-node")) ? st_xstrdup(s) : NULL;
    out->bitmap = (s = st_json_get_string(r, "bitmap")) ? st_xstrdup(s) : NULL;
    out->job = (s = st_json_get_string(r, "job")) ? st_xstrdup(s) : NULL;
    out->temp_file = (s = st_json_get_string(r, "temp-file")) ? st_xstrdup(s) : NULL;
    st_json_get_bool(r, "writable", &out->writable);
    for (size_t i = 0; opened && i < json_object_array_length(opened); i++) {
        struct json_object *n = json_object_array_get_idx(opened, i);

        if (json_object_is_type(n, json_type_string))
            st_strv_add(&out->opened, json_object_get_string(n));
    }
}

static void
record_add(struct st_exporter *ex, const struct st_export *e)
{
    struct json_object *r = json_object_new_object();
    struct json_object *opened = json_object_new_array();

    json_object_object_add(r, "name", json_object_new_string(e->name));
    json_object_object_add(r, "disk", st_json_string_or_null(e->disk));
    json_object_object_add(r, "snapshot", st_json_string_or_null(e->snapshot));
    json_object_object_add(r, "writable", json_object_new_boolean(e->writable));
    json_object_object_add(r, "node", st_json_string_or_null(e->node));
    if (e->since) {
        json_object_object_add(r, "since", json_object_new_string(e->since));
        json_object_object_add(r, "bitmap-node", json_object_new_string(e->bitmap_node));
        json_object_object_add(r, "bitmap", json_object_new_string(e->bitmap));
    }
    if (e->job) {
        json_object_object_add(r, "job", json_object_new_string(e->job));
        json_object_object_add(r, "temp-file", json_object_new_string(e->temp_file));
    }
    for (size_t i = 0; e->opened && e->opened[i]; i++)
        json_object_array_add(opened, json_object_new_string(e->opened[i]));
    json_object_object_add(r, "opened", opened);
    json_object_object_add(st_json_get_object(ex->record, "exports"), e->id, r);
}

/* Close nodes opened for an export, top-down, until one is still in
 * use (it backs another export or the active layer).  Returns the
 * index of the first node kept open (the end of @opened if none). */
static size_t
close_opened(struct st_qmp *qmp, char *const *opened)
{
    size_t i;

    for (i = 0; opened && opened[i]; i++) {
        struct st_error *err = NULL;

        if (!st_qmp_blockdev_del_layer(qmp, opened[i], &err)) {
            st_debug("keeping node %s open: %s", opened[i], err->msg);
            st_error_free(err);
            break;
        }
    }
    return i;
}

/* Nodes an earlier removal had to keep open because another export
 * used them ("orphans" in the record, each with the nodes below it
 * that it opened): try them again now that one more export is gone. */
static void
retry_orphans(struct st_exporter *ex, char *const *kept)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);
    struct json_object *orphans = st_json_get_array(ex->record, "orphans");
    struct json_object *left = json_object_new_array();

    for (size_t i = 0; orphans && i < json_object_array_length(orphans); i++) {
        struct json_object *list = json_object_array_get_idx(orphans, i);
        CLEANUP_STRV char **v = NULL;
        size_t k;

        for (size_t j = 0; j < json_object_array_length(list); j++)
            st_strv_add(&v, json_object_get_string(json_object_array_get_idx(list, j)));
        k = close_opened(qmp, v);
        if (v && v[k]) {
            struct json_object *rest = json_object_new_array();

            for (; v[k]; k++)
                json_object_array_add(rest, json_object_new_string(v[k]));
            json_object_array_add(left, rest);
        }
    }
    if (kept && kept[0]) {
        struct json_object *rest = json_object_new_array();

        for (size_t k = 0; kept[k]; k++)
            json_object_array_add(rest, json_object_new_string(kept[k]));
        json_object_array_add(left, rest);
    }
    json_object_object_add(ex->record, "orphans", left);
}

static bool
graph_has(const struct st_qmp_graph *g, const char *name)
{
    return st_qmp_graph_find(g, name) != NULL;
}

static bool
add_export(struct st_exporter *ex, struct st_export *e, struct st_error **errp)
{
    struct st_qmp_export_opts o = {
        .id = e->id,
        .node_name = e->node,
        .name = e->name,
        .writable = e->writable,
        .allocation_depth = true,
        .bitmap_node = e->bitmap_node,
        .bitmap = e->bitmap,
    };

    if (!st_qmp_export_add(st_session_qmp(ex->sess), &o, errp))
        return false;
    e->uri = st_nbd_addr_uri(&ex->addr, e->name);
    return true;
}

bool
st_exporter_find(struct st_exporter *ex, const char *id, struct st_export *out)
{
    struct json_object *r = st_json_get_object(st_json_get_object(ex->record, "exports"), id);

    if (r)
        export_from_record(ex, id, r, out);
    return r != NULL;
}

static bool
add_view(struct st_exporter *ex, const struct st_view *v, bool temporary,
         const struct st_export_bitmap *bm, struct st_export *out, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);
    CLEANUP_QMP_GRAPH struct st_qmp_graph *before = NULL;
    CLEANUP_QMP_GRAPH struct st_qmp_graph *after = NULL;
    CLEANUP_STRV char **chain = NULL;
    struct st_export e = { 0 };
    struct json_object *r;

    memset(out, 0, sizeof *out);
    if (temporary) {
        e.id = st_xasprintf("tmp-%d-%u", (int) getpid(), ++ex->tmp_count);
        e.name = st_xstrdup(e.id);
    } else {
        e.id = st_exporter_pit_id(v, bm ? bm->since : NULL);
        if ((r = st_json_get_object(st_json_get_object(ex->record, "exports"), e.id))) {
            export_from_record(ex, e.id, r, out);
            st_export_clear(&e);
            return true;
        }
        if (bm)
            e.name = st_xasprintf("%s@%s..%s", v->dev, bm->since, v->snapshot);
        else
            e.name = st_xasprintf("%s@%s", v->dev, v->snapshot ? v->snapshot : "current");
    }
    if (bm) {
        e.since = st_xstrdup(bm->since);
        e.bitmap_node = st_xstrdup(bm->node);
        e.bitmap = st_xstrdup(bm->name);
    }
    e.disk = st_xstrdup(v->dev);
    e.snapshot = v->snapshot ? st_xstrdup(v->snapshot) : NULL;

    if (!(before = st_qmp_graph_read(qmp, errp)))
        goto fail;
    if (!(e.node = st_session_open_chain(ex->sess, v->path, v->format, false, errp))) {
        st_error_prepend(errp, "disk '%s'%s%s: ", v->dev, v->snapshot ? " at snapshot " : "",
                         v->snapshot ? v->snapshot : "");
        goto fail;
    }
    if (!(after = st_qmp_graph_read(qmp, errp)) ||
        !(chain = st_qmp_graph_chain(after, e.node, errp))) {
        /* The nodes just opened would stay open in a live QSD: close
         * the top if it is new (its lower layers stay for their users). */
        if (!graph_has(before, e.node))
            st_qmp_blockdev_del_layer(qmp, e.node, NULL);
        goto fail;
    }
    for (size_t i = 0; chain[i]; i++)
        if (!graph_has(before, chain[i]))
            st_strv_add(&e.opened, chain[i]);
    if (!add_export(ex, &e, errp)) {
        close_opened(qmp, e.opened);
        goto fail;
    }
    st_debug("exported %s (node %s, %zu node(s) opened) as %s", v->path, e.node,
             st_strv_len(e.opened), e.uri);
    if (!temporary) {
        record_add(ex, &e);
        if (!st_exporter_save(ex, errp)) {
            st_exporter_del(ex, &e, NULL);
            goto fail;
        }
    }
    *out = e;
    return true;

fail:
    st_export_clear(&e);
    return false;
}

bool
st_exporter_add(struct st_exporter *ex, const struct st_view *v, bool temporary,
                struct st_export *out, struct st_error **errp)
{
    return add_view(ex, v, temporary, NULL, out, errp);
}

bool
st_exporter_add_bitmap(struct st_exporter *ex, const struct st_view *v,
                       const struct st_export_bitmap *bm, struct st_export *out,
                       struct st_error **errp)
{
    return add_view(ex, v, false, bm, out, errp);
}

bool
st_exporter_add_active(struct st_exporter *ex, const char *dev, const char *node,
                       struct st_export *out, struct st_error **errp)
{
    struct st_export e = { 0 };

    memset(out, 0, sizeof *out);
    e.id = st_session_disk_export_id(dev);
    e.name = st_xstrdup(dev);
    e.node = st_xstrdup(node);
    e.disk = st_xstrdup(dev);
    e.writable = true;
    if (!add_export(ex, &e, errp)) {
        st_export_clear(&e);
        return false;
    }
    record_add(ex, &e);
    *out = e;
    return true;
}

bool
st_exporter_add_node(struct st_exporter *ex, struct st_export *e, struct st_error **errp)
{
    if (!add_export(ex, e, errp))
        return false;
    record_add(ex, e);
    if (!st_exporter_save(ex, errp)) {
        st_exporter_del(ex, e, NULL);
        return false;
    }
    return true;
}

bool
st_exporter_del(struct st_exporter *ex, const struct st_export *e, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);
    struct st_error *err = NULL;
    bool ok = true;

    if (!st_qmp_export_del(qmp, e->id, false, EXPORT_DEL_MS, &err)) {
        /* Already gone (a QSD restarted by hand) is not a failure. */
        if (err->code == ST_E_QMP && strstr(err->msg, "not found")) {
            st_error_free(err);
        } else {
            st_error_propagate(errp, err);
            ok = false;
        }
    }
    /* A live backup's job holds its fleecing node (and has its filter
     * above the active layer): it goes first, else the node stays. */
    if (ok && e->job && !st_qmp_fleece_cancel(qmp, e->job, EXPORT_DEL_MS, errp))
        return false;   /* the record keeps the export, for another --stop */
    if (ok) {
        size_t k = close_opened(qmp, e->opened);
        struct st_error *derr = NULL;

        /* The bitmap's scratch node goes with its export (the
         * bitmap, not persistent, goes with the node). */
        if (e->bitmap_node && !st_qmp_bitmap_node_del(qmp, e->bitmap_node, &derr)) {
            st_debug("removing node %s: %s", e->bitmap_node, derr->msg);
            st_error_free(derr);
        }
        if (e->temp_file && (!e->opened || !e->opened[k]))
            remove_temp_file(ex->dir, e->temp_file);
        if (strncmp(e->id, "tmp-", 4) != 0)
            retry_orphans(ex, e->opened ? e->opened + k : NULL);
    }
    if (!ok)
        return false;   /* still exported: the record keeps it */
    json_object_object_del(st_json_get_object(ex->record, "exports"), e->id);
    if (!strncmp(e->id, "tmp-", 4))
        return true;
    return st_exporter_save(ex, errp);
}

struct st_export *
st_exporter_list(const struct st_exporter *ex, size_t *n)
{
    struct json_object *exports = st_json_get_object(ex->record, "exports");
    struct st_export *v = NULL;

    *n = 0;
    json_object_object_foreach(exports, key, val) {
        v = st_xreallocarray(v, *n + 1, sizeof *v);
        export_from_record((struct st_exporter *) ex, key, val, &v[(*n)++]);
    }
    return v;
}
