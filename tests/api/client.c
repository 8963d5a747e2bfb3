/* tests/api/client.c: a small client of strata.h whose subcommands each
 * make one API call and print its result in the strata program's text
 * form, so that tests/func/api-points.sh can compare the two.  Built
 * like a user's program: the public header only, libstrata.so.
 *
 *   client STATE RUN DOM create-as NAME [DEV=FILE | DEV=no]...
 *   client STATE RUN DOM edit NAME XML-FILE [rename | clone]
 *   client STATE RUN DOM start | stop | active
 *   client STATE RUN DOM export SNAP DEV      (- for NULL)
 *   client STATE RUN DOM exports
 *   client STATE RUN DOM export-stop SNAP DEV
 *   client STATE RUN DOM digest SNAP DEV [sha256]
 *   client STATE RUN DOM digest-cancel SNAP DEV
 *   client STATE RUN DOM diff FROM TO DEV
 *   client STATE RUN DOM import-libvirt CONFIG-DIR SNAPSHOT-DIR
 *   client STATE RUN DOM export-libvirt DIR
 *   client STATE RUN DOM revert SNAP [check | discard | keep]
 *   client STATE RUN DOM blockcommit DEV TOP BASE [active | cancel]
 *   client STATE RUN DOM blockpull DEV BASE [cancel]
 *      print the call's result (0 merged, 1 nothing to do) and whether
 *      the progress callback saw bytes move; cancel: the first progress
 *      call cancels (the call must fail with STRATA_ERR_JOB)
 *   client STATE RUN DOM define-xml XML-FILE
 *   client STATE RUN DOM info SNAP     (virsh snapshot-info's layout)
 *   client STATE RUN DOM jobs          (ID TYPE STATUS per line)
 *   client STATE RUN DOM orphans [remove]
 *      one line per orphan: PATH OPERATION SNAPSHOT BACKED-BY REMOVED
 *      (- for NULL; REMOVED 0 or 1)
 *
 * With CLIENT_LOG=1 in the environment the client sets a log callback
 * that prints "log warning SUBSYSTEM: MESSAGE" on stdout (CLIENT_LOG=debug:
 * with STRATA_LOG_WANT_DEBUG, and debug lines as "log debug ...").
 * A failed call prints "error CODE: MESSAGE" on stderr and exits 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

static const char *
opt(const char *arg)
{
    return strcmp(arg, "-") == 0 ? NULL : arg;
}

static int
failed(void)
{
    const strata_error *e = strata_last_error();

    fprintf(stderr, "error %s: %s\n", strata_error_code_name(strata_error_get_code(e)),
            e ? strata_error_get_message(e) : "(no error set)");
    return 3;
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;

    if (!f)
        return NULL;
    buf = malloc(1 << 20);
    if (buf) {
        len = fread(buf, 1, (1 << 20) - 1, f);
        buf[len] = '\0';
    }
    fclose(f);
    return buf;
}

static int
create_as(strata_domain *dom, int argc, char **argv)
{
    strata_diskspec specs[16];
    strata_snapshot *snap;
    int n = 0;

    for (int i = 1; i < argc && n < 16; i++, n++) {
        char *eq = strchr(argv[i], '=');

        if (!eq)
            return 2;
        *eq = '\0';
        specs[n] = (strata_diskspec) { .dev = argv[i] };
        if (strcmp(eq + 1, "no") == 0)
            specs[n].exclude = 1;
        else
            specs[n].file = eq + 1;
    }
    if (!(snap = strata_snapshot_create_as(dom, argv[0], "made by tests/api/client", specs,
                                           (size_t) n, 0)))
        return failed();
    printf("%s\n", strata_snapshot_get_name(snap));
    strata_snapshot_free(snap);
    return 0;
}

static int
edit(strata_domain *dom, int argc, char **argv)
{
    strata_snapshot *snap = strata_snapshot_lookup(dom, argv[0]);
    char *xml = slurp(argv[1]);
    unsigned flags = argc < 3 ? 0 : strcmp(argv[2], "rename") == 0 ? STRATA_SNAPSHOT_EDIT_RENAME
                                                                    : STRATA_SNAPSHOT_EDIT_CLONE;
    strata_snapshot *edited = snap && xml ? strata_snapshot_edit(snap, xml, flags) : NULL;
    int rc = 0;

    if (!xml)
        fprintf(stderr, "cannot read %s\n", argv[1]);
    if (!edited)
        rc = xml ? failed() : 1;
    else
        printf("%s\n", strata_snapshot_get_name(edited));
    strata_snapshot_free(edited);
    strata_snapshot_free(snap);
    free(xml);
    return rc;
}

static void
print_exports(const strata_export *ex, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s %s %s\n", ex[i].name, ex[i].writable ? "writable" : "read-only", ex[i].uri);
}

/* Cancels at the first report, counting the calls. */
static int
cancel_first(uint64_t done, uint64_t total, void *opaque)
{
    (void) done;
    (void) total;
    ++*(int *) opaque;
    return 1;
}

struct job_seen {
    int calls;
    int moved;                  /* a call with 0 < done */
    int cancel;                 /* cancel at the first call */
};

static int
job_progress(uint64_t done, uint64_t total, void *opaque)
{
    struct job_seen *s = opaque;

    s->calls++;
    if (done > 0 && done <= total)
        s->moved = 1;
    return s->cancel;
}

static int
block_job(strata_domain *dom, int commit, int argc, char **argv)
{
    const char *mode = argc > (commit ? 3 : 2) ? argv[commit ? 3 : 2] : "";
    struct job_seen seen = { .cancel = strcmp(mode, "cancel") == 0 };
    strata_job_params p = { .progress = job_progress, .opaque = &seen };
    int r;

    if (seen.cancel)
        p.speed = 1 << 20;      /* slow enough for a progress call before the end */
    r = commit ? strata_domain_block_commit(dom, argv[0], opt(argv[2]), opt(argv[1]),
                                            strcmp(mode, "active") == 0 ? STRATA_BLOCK_COMMIT_ACTIVE : 0,
                                            &p)
               : strata_domain_block_pull(dom, argv[0], opt(argv[1]), 0, &p);
    if (seen.cancel) {
        if (r >= 0 || strata_error_get_code(strata_last_error()) != STRATA_ERR_JOB) {
            fprintf(stderr, "job not cancelled: returned %d\n", r);
            return 1;
        }
        printf("cancelled after %d call(s)\n", seen.calls);
        return 0;
    }
    if (r < 0)
        return failed();
    printf("%d %s\n", r, seen.moved ? "moved" : "still");
    return 0;
}

static int
info(strata_domain *dom, const char *name)
{
    strata_snapshot *snap = strata_snapshot_lookup(dom, name);
    strata_snapshot_info *i = snap ? strata_snapshot_get_info(snap, 0) : NULL;

    strata_snapshot_free(snap);
    if (!i)
        return failed();
    printf("%-15s %s\n", "Name:", i->name);
    printf("%-15s %s\n", "Domain:", i->domain);
    printf("%-15s %s\n", "Current:", i->current ? "yes" : "no");
    printf("%-15s %s\n", "State:", i->state);
    printf("%-15s %s\n", "Location:", i->external ? "external" : "internal");
    printf("%-15s %s\n", "Parent:", i->parent ? i->parent : "-");
    printf("%-15s %zu\n", "Children:", i->children);
    printf("%-15s %zu\n", "Descendants:", i->descendants);
    printf("%-15s %s\n\n", "Metadata:", "yes");
    /* Not in virsh's layout: the rest of the info. */
    printf("description %s\n", i->description ? i->description : "-");
    if (i->has_creation_time)
        printf("creation-time %lld\n", (long long) i->creation_time);
    strata_snapshot_info_free(i);
    return 0;
}

static int
orphans(strata_domain *dom, int remove)
{
    strata_orphan *o = NULL;
    int n = strata_domain_list_orphans(dom, &o, remove ? STRATA_ORPHANS_REMOVE : 0);

    if (n < 0)
        return failed();
    for (int i = 0; i < n; i++)
        printf("%s %s %s %s %d\n", o[i].path, o[i].operation ? o[i].operation : "-",
               o[i].snapshot ? o[i].snapshot : "-", o[i].backed_by ? o[i].backed_by : "-",
               o[i].removed);
    strata_orphans_free(o, n);
    return 0;
}

static int
run(strata_domain *dom, const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "jobs") == 0 && argc == 0) {
        strata_job *jobs = NULL;
        int n = strata_domain_list_jobs(dom, &jobs, 0);

        if (n < 0)
            return failed();
        for (int i = 0; i < n; i++)
            printf("%s %s %s%s\n", jobs[i].id, jobs[i].type, jobs[i].status,
                   jobs[i].done > jobs[i].total ? " (done > total)" : "");
        strata_jobs_free(jobs, n);
        return 0;
    }
    if (strcmp(cmd, "orphans") == 0 && argc <= 1)
        return orphans(dom, argc == 1 && strcmp(argv[0], "remove") == 0);
    if (strcmp(cmd, "info") == 0 && argc == 1)
        return info(dom, argv[0]);
    if (strcmp(cmd, "blockcommit") == 0 && (argc == 3 || argc == 4))
        return block_job(dom, 1, argc, argv);
    if (strcmp(cmd, "blockpull") == 0 && (argc == 2 || argc == 3))
        return block_job(dom, 0, argc, argv);
    if (strcmp(cmd, "create-as") == 0 && argc >= 1)
        return create_as(dom, argc, argv);
    if (strcmp(cmd, "edit") == 0 && argc >= 2)
        return edit(dom, argc, argv);
    if (strcmp(cmd, "start") == 0)
        return strata_domain_start(dom, NULL, 0) < 0 ? failed() : 0;
    if (strcmp(cmd, "stop") == 0)
        return strata_domain_stop(dom, 0) < 0 ? failed() : 0;
    if (strcmp(cmd, "active") == 0) {
        int r = strata_domain_is_active(dom);

        if (r < 0)
            return failed();
        printf("%d\n", r);
        return 0;
    }
    if (strcmp(cmd, "export") == 0 || strcmp(cmd, "exports") == 0) {
        strata_export *ex = NULL;
        int n = strcmp(cmd, "exports") == 0 ? strata_domain_list_exports(dom, &ex, 0)
              : argc == 2 ? strata_domain_export(dom, opt(argv[0]), opt(argv[1]), NULL, &ex, 0)
                          : -2;

        if (n == -2)
            return 2;
        if (n < 0)
            return failed();
        print_exports(ex, n);
        strata_exports_free(ex, n);
        return 0;
    }
    if (strcmp(cmd, "export-stop") == 0 && argc == 2) {
        int n = strata_domain_export_stop(dom, opt(argv[0]), opt(argv[1]), 0);

        if (n < 0)
            return failed();
        printf("%d\n", n);
        return 0;
    }
    if (strcmp(cmd, "digest") == 0 && argc >= 2) {
        unsigned flags = argc > 2 && strcmp(argv[2], "sha256") == 0 ? STRATA_DIGEST_SHA256 : 0;
        char *d = strata_domain_digest(dom, opt(argv[0]), opt(argv[1]), NULL, flags);

        if (!d)
            return failed();
        printf("%s\n", d);
        free(d);
        return 0;
    }
    if (strcmp(cmd, "digest-cancel") == 0 && argc == 2) {
        int calls = 0;
        strata_read_params p = { .connections = 1, .progress = cancel_first, .opaque = &calls };
        char *d = strata_domain_digest(dom, opt(argv[0]), opt(argv[1]), &p, 0);

        if (d || strata_error_get_code(strata_last_error()) != STRATA_ERR_JOB || calls != 1) {
            fprintf(stderr, "digest not cancelled: %s, %d progress calls\n", d ? d : "failed",
                    calls);
            free(d);
            return 1;
        }
        printf("cancelled: %s\n", strata_error_get_message(strata_last_error()));
        return 0;
    }
    if (strcmp(cmd, "revert") == 0 && (argc == 1 || argc == 2)) {
        strata_snapshot *snap = strata_snapshot_lookup(dom, argv[0]);
        unsigned flags = argc < 2 ? 0
                       : strcmp(argv[1], "check") == 0 ? STRATA_REVERT_CHECK_CURRENT
                       : strcmp(argv[1], "discard") == 0 ? STRATA_REVERT_DISCARD_CURRENT
                                                         : STRATA_REVERT_KEEP_CURRENT;
        int rc = snap && strata_snapshot_revert(snap, flags) == 0 ? 0 : failed();

        strata_snapshot_free(snap);
        return rc;
    }
    if (strcmp(cmd, "export-libvirt") == 0 && argc == 1)
        return strata_domain_export_libvirt(dom, argv[0], 0) < 0 ? failed() : 0;
    if (strcmp(cmd, "diff") == 0 && argc == 3) {
        strata_extent *ext = NULL;
        int n = strata_domain_diff(dom, argv[0], opt(argv[1]), opt(argv[2]), &ext, NULL, 0);

        if (n < 0)
            return failed();
        for (int i = 0; i < n; i++)
            printf("%s %llu %llu\n", argv[2], (unsigned long long) ext[i].offset,
                   (unsigned long long) ext[i].length);
        strata_extents_free(ext);
        return 0;
    }
    return 2;
}

static void
print_log(strata_log_level level, const char *subsystem, const char *message, void *opaque)
{
    /* flockfile: NBD reader threads may log at once. */
    flockfile(stdout);
    printf("log %s %s: %s\n", level == STRATA_LOG_DEBUG ? "debug" : "warning", subsystem, message);
    funlockfile(stdout);
    ++*(int *) opaque;
}

int
main(int argc, char **argv)
{
    strata_conn *conn;
    strata_domain *dom;
    int rc;
    static int lines;
    const char *want_log = getenv("CLIENT_LOG");

    if (want_log && strata_set_log_callback(print_log, &lines,
                                            strcmp(want_log, "debug") == 0 ? STRATA_LOG_WANT_DEBUG : 0) < 0)
        return failed();

    if (argc < 5) {
        fprintf(stderr, "usage: %s STATE RUN DOM COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    if (!(conn = strata_open(argv[1], argv[2], 0)))
        return failed();
    /* The one command that makes the domain it names. */
    if (strcmp(argv[4], "import-libvirt") == 0 && argc == 7) {
        dom = strata_domain_import_libvirt(conn, argv[3], argv[5], argv[6], 0);
        rc = dom ? 0 : failed();
        if (dom)
            printf("%s\n", strata_domain_get_name(dom));
        strata_domain_free(dom);
        strata_close(conn);
        return rc;
    }
    if (strcmp(argv[4], "define-xml") == 0 && argc == 6) {
        char *xml = slurp(argv[5]);

        dom = xml ? strata_domain_define_xml(conn, xml, 0) : NULL;
        rc = dom ? 0 : failed();
        free(xml);
        strata_domain_free(dom);
        strata_close(conn);
        /* Back to the default: a later line must not reach print_log. */
        if (want_log && strata_set_log_callback(NULL, NULL, 0) < 0)
            return failed();
        return rc;
    }
    if (!(dom = strata_domain_lookup(conn, argv[3]))) {
        strata_close(conn);
        return failed();
    }
    rc = run(dom, argv[4], argc - 5, argv + 5);
    if (rc == 2)
        fprintf(stderr, "%s: bad arguments for '%s'\n", argv[0], argv[4]);
    strata_domain_free(dom);
    strata_close(conn);
    return rc;
}
