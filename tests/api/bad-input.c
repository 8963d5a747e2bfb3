/* tests/api/bad-input.c: every function of strata.h called with what a
 * careless program passes: NULL handles, handles of another type, a
 * domain whose connection was closed, unknown flag bits, hostile names,
 * out-of-range indexes.  Each must fail with its documented code and
 * leave the state directory as it was (tests/func/api-bad-input.sh
 * runs it twice and compares).  Also: a merge cancelled from the progress callback
 * fails with STRATA_ERR_JOB and a second delete finishes it.
 *
 *   bad-input STATE-DIR RUN-DIR DISK     (DISK: a qcow2 file)
 *   bad-input --cancel STATE-DIR RUN-DIR DOMAIN SNAPSHOT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

static int failures, checks;

/* Expect @ok to be true and the last error to have @code. */
static void
expect(int line, const char *what, int ok, strata_error_code code)
{
    const strata_error *e = strata_last_error();
    strata_error_code got = strata_error_get_code(e);

    checks++;
    if (!ok || got != code) {
        fprintf(stderr, "line %d: %s: %s, code %s (wanted %s): %s\n", line, what,
                ok ? "failed as expected" : "did not fail", strata_error_code_name(got),
                strata_error_code_name(code), e ? strata_error_get_message(e) : "no error");
        failures++;
    } else if (code != STRATA_OK &&
               (!strata_error_get_message(e) || !*strata_error_get_message(e))) {
        fprintf(stderr, "line %d: %s: no message\n", line, what);
        failures++;
    }
    strata_reset_last_error();
}
/* CALL fails (NULL or -1) with CODE. */
#define FAILS_PTR(call, code) expect(__LINE__, #call, (call) == NULL, code)
#define FAILS_INT(call, code) expect(__LINE__, #call, (call) < 0, code)
#define INVALID_PTR(call) FAILS_PTR(call, STRATA_ERR_INVALID_ARG)
#define INVALID_INT(call) FAILS_INT(call, STRATA_ERR_INVALID_ARG)

#define BAD_FLAG (1u << 29)

static int
cancel_at_once(uint64_t done, uint64_t total, void *opaque)
{
    (void) done;
    (void) total;
    ++*(int *) opaque;
    return 1;
}

static int
cancel_test(char **argv)
{
    strata_conn *conn = strata_open(argv[0], argv[1], 0);
    strata_domain *dom = conn ? strata_domain_lookup(conn, argv[2]) : NULL;
    strata_snapshot *snap = dom ? strata_snapshot_lookup(dom, argv[3]) : NULL;
    int calls = 0;
    /* Slow enough that the job reports progress before it is done. */
    strata_delete_params p = { .speed = 1024 * 1024, .progress = cancel_at_once,
                               .opaque = &calls };

    if (!snap) {
        fprintf(stderr, "setup: %s\n", strata_error_get_message(strata_last_error()));
        return 1;
    }
    FAILS_INT(strata_snapshot_delete(snap, 0, &p), STRATA_ERR_JOB);
    if (calls != 1) {
        fprintf(stderr, "progress called %d times after cancelling\n", calls);
        failures++;
    }
    printf("cancelled\n");
    strata_snapshot_free(snap);
    strata_domain_free(dom);
    strata_close(conn);
    return failures ? 1 : 0;
}

int
main(int argc, char **argv)
{
    static char huge[10 * 1024 + 1];
    const char *hostile[] = { "../x", "a/b", "", ".", "..", huge };
    strata_conn *conn, *closed;
    strata_domain *dom, *orphan;
    strata_snapshot *snap;
    strata_disk disk = { 0 };
    strata_disk *disks = NULL;
    char **names = NULL;
    const char *code;
    void *foreign;

    if (argc == 6 && strcmp(argv[1], "--cancel") == 0)
        return cancel_test(argv + 2);
    if (argc != 4) {
        fprintf(stderr, "usage: %s STATE-DIR RUN-DIR DISK\n", argv[0]);
        return 2;
    }
    memset(huge, 'a', sizeof huge - 1);
    disk.dev = "vda";
    disk.path = argv[3];

    /* Connections. */
    INVALID_PTR(strata_open(argv[1], argv[2], BAD_FLAG));
    INVALID_PTR(strata_open("", argv[2], 0));
    INVALID_PTR(strata_conn_get_state_dir(NULL));
    INVALID_PTR(strata_conn_get_run_dir(NULL));
    strata_close(NULL);
    /* The setup of the first run; a second run finds it and changes
     * nothing (the test compares the state directory). */
    if (!(conn = strata_open(argv[1], argv[2], 0)) ||
        (!(dom = strata_domain_lookup(conn, "good")) &&
         !(dom = strata_domain_define_disks(conn, "good", &disk, 1, 0))) ||
        (!(snap = strata_snapshot_lookup(dom, "s1")) &&
         !(snap = strata_snapshot_create_xml(dom, "<domainsnapshot><name>s1</name>"
                                                  "</domainsnapshot>", 0)))) {
        fprintf(stderr, "setup: %s\n", strata_error_get_message(strata_last_error()));
        return 1;
    }
    strata_reset_last_error();
    foreign = conn;

    /* Domains: NULL, foreign, flags, names. */
    INVALID_PTR(strata_domain_define_xml(NULL, "<domain/>", 0));
    INVALID_PTR(strata_domain_define_xml(conn, NULL, 0));
    INVALID_PTR(strata_domain_define_xml(conn, "<domain/>", BAD_FLAG));
    INVALID_PTR(strata_domain_define_xml((strata_conn *) dom, "<domain/>", 0));
    FAILS_PTR(strata_domain_define_xml(conn, "<domain><name>x</name", 0), STRATA_ERR_XML);
    INVALID_PTR(strata_domain_define_disks(NULL, "x", &disk, 1, 0));
    INVALID_PTR(strata_domain_define_disks(conn, NULL, &disk, 1, 0));
    INVALID_PTR(strata_domain_define_disks(conn, "x", NULL, 1, 0));
    INVALID_PTR(strata_domain_define_disks(conn, "x", &(strata_disk) { .dev = "vda" }, 1, 0));
    INVALID_PTR(strata_domain_define_disks(conn, "x", &disk, 1, BAD_FLAG));
    FAILS_PTR(strata_domain_define_disks(conn, "good", &disk, 1, 0), STRATA_ERR_CONFLICT);
    INVALID_PTR(strata_domain_lookup(NULL, "good"));
    INVALID_PTR(strata_domain_lookup(conn, NULL));
    INVALID_PTR(strata_domain_lookup((strata_conn *) snap, "good"));
    FAILS_PTR(strata_domain_lookup(conn, "missing"), STRATA_ERR_NOT_FOUND);
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        FAILS_PTR(strata_domain_lookup(conn, hostile[i]), STRATA_ERR_NAME);
        FAILS_PTR(strata_domain_define_disks(conn, hostile[i], &disk, 1, 0), STRATA_ERR_NAME);
        FAILS_PTR(strata_snapshot_lookup(dom, hostile[i]), STRATA_ERR_NAME);
    }
    FAILS_PTR(strata_domain_define_disks(conn, "x", &(strata_disk) { .dev = "../vda",
                                                                     .path = argv[3] }, 1, 0),
              STRATA_ERR_USAGE);
    INVALID_INT(strata_list_domains(NULL, &names));
    INVALID_INT(strata_list_domains(conn, NULL));
    INVALID_PTR(strata_domain_get_name(NULL));
    INVALID_PTR(strata_domain_get_name(foreign));
    INVALID_PTR(strata_domain_get_xml(NULL, 0));
    INVALID_PTR(strata_domain_get_xml(dom, BAD_FLAG));
    INVALID_PTR(strata_domain_get_xml(foreign, 0));
    INVALID_INT(strata_domain_get_disks(NULL, &disks));
    INVALID_INT(strata_domain_get_disks(dom, NULL));
    INVALID_INT(strata_domain_undefine(NULL, 0));
    INVALID_INT(strata_domain_undefine(dom, BAD_FLAG));
    INVALID_INT(strata_domain_undefine(foreign, 0));
    FAILS_INT(strata_domain_undefine(dom, 0), STRATA_ERR_CONFLICT);   /* it has snapshots */
    INVALID_INT(strata_domain_recover(NULL, 0));
    INVALID_INT(strata_domain_recover(dom, BAD_FLAG));
    strata_domain_free(NULL);
    strata_domain_free(foreign);            /* ignored: not a domain */
    strata_names_free(NULL);
    strata_disks_free(NULL, 3);

    /* Snapshots. */
    INVALID_PTR(strata_snapshot_create_xml(NULL, NULL, 0));
    INVALID_PTR(strata_snapshot_create_xml(dom, NULL, BAD_FLAG));
    INVALID_PTR(strata_snapshot_create_xml(foreign, NULL, 0));
    INVALID_PTR(strata_snapshot_create_xml(dom, NULL, STRATA_SNAPSHOT_CREATE_CURRENT));
    INVALID_PTR(strata_snapshot_create_xml(dom, NULL, STRATA_SNAPSHOT_CREATE_REDEFINE));
    FAILS_PTR(strata_snapshot_create_xml(dom, "<domainsnapshot><name>a/b</name>"
                                              "</domainsnapshot>", 0), STRATA_ERR_NAME);
    FAILS_PTR(strata_snapshot_create_xml(dom, "<domainsnapshot><name>s1</name>"
                                              "</domainsnapshot>", 0), STRATA_ERR_CONFLICT);
    FAILS_PTR(strata_snapshot_create_xml(dom, "<domainsnapshot>", 0), STRATA_ERR_XML);
    INVALID_PTR(strata_snapshot_lookup(NULL, "s1"));
    INVALID_PTR(strata_snapshot_lookup(dom, NULL));
    FAILS_PTR(strata_snapshot_lookup(dom, "s9"), STRATA_ERR_NOT_FOUND);
    INVALID_PTR(strata_snapshot_current(NULL));
    INVALID_PTR(strata_snapshot_get_parent(NULL));
    INVALID_PTR(strata_snapshot_get_parent((strata_snapshot *) dom));
    FAILS_PTR(strata_snapshot_get_parent(snap), STRATA_ERR_NOT_FOUND);
    INVALID_PTR(strata_snapshot_get_name(NULL));
    INVALID_PTR(strata_snapshot_get_domain(NULL));
    INVALID_PTR(strata_snapshot_get_xml(NULL, 0));
    INVALID_PTR(strata_snapshot_get_xml(snap, BAD_FLAG));
    INVALID_PTR(strata_snapshot_get_info(NULL, 0));
    INVALID_PTR(strata_snapshot_get_info((strata_snapshot *) dom, 0));
    INVALID_PTR(strata_snapshot_get_info(snap, BAD_FLAG));
    strata_snapshot_info_free(NULL);
    INVALID_INT(strata_snapshot_set_current(NULL, 0));
    INVALID_INT(strata_snapshot_set_current(snap, BAD_FLAG));
    INVALID_INT(strata_snapshot_num(NULL, 0));
    INVALID_INT(strata_snapshot_num(dom, STRATA_LIST_DESCENDANTS));
    INVALID_INT(strata_snapshot_list_names(NULL, &names, 0));
    INVALID_INT(strata_snapshot_list_names(dom, NULL, 0));
    INVALID_INT(strata_snapshot_list_names(dom, &names, BAD_FLAG));
    INVALID_INT(strata_snapshot_list_children_names(NULL, &names, 0));
    INVALID_INT(strata_snapshot_list_children_names(snap, NULL, 0));
    INVALID_INT(strata_snapshot_list_children_names(snap, &names, STRATA_LIST_ROOTS));
    INVALID_INT(strata_snapshot_revert(NULL, 0));
    INVALID_INT(strata_snapshot_revert(snap, BAD_FLAG));
    INVALID_INT(strata_snapshot_revert((strata_snapshot *) conn, 0));
    INVALID_INT(strata_snapshot_revert(snap, STRATA_REVERT_CHECK_CURRENT |
                                       STRATA_REVERT_DISCARD_CURRENT));
    INVALID_INT(strata_snapshot_revert(snap, STRATA_REVERT_KEEP_CURRENT |
                                       STRATA_REVERT_DISCARD_CURRENT));
    INVALID_PTR(strata_snapshot_create_as(NULL, "x", NULL, NULL, 0, 0));
    INVALID_PTR(strata_snapshot_create_as(foreign, "x", NULL, NULL, 0, 0));
    INVALID_PTR(strata_snapshot_create_as(dom, "x", NULL, NULL, 0, BAD_FLAG));
    INVALID_PTR(strata_snapshot_create_as(dom, "x", NULL, NULL, 0, STRATA_SNAPSHOT_CREATE_REDEFINE));
    INVALID_PTR(strata_snapshot_create_as(dom, "x", NULL, NULL, 1, 0));
    INVALID_PTR(strata_snapshot_create_as(dom, "x", NULL, &(strata_diskspec) { 0 }, 1, 0));
    INVALID_PTR(strata_snapshot_create_as(dom, "x", NULL,
                                          &(strata_diskspec) { "vda", "/tmp/o.qcow2", 1 }, 1, 0));
    FAILS_PTR(strata_snapshot_create_as(dom, "s1", NULL, NULL, 0, 0), STRATA_ERR_CONFLICT);
    FAILS_PTR(strata_snapshot_create_as(dom, "x", NULL, &(strata_diskspec) { .dev = "vdz" }, 1, 0),
              STRATA_ERR_NOT_FOUND);
    INVALID_PTR(strata_snapshot_edit(NULL, "<domainsnapshot/>", 0));
    INVALID_PTR(strata_snapshot_edit(snap, NULL, 0));
    INVALID_PTR(strata_snapshot_edit(snap, "<domainsnapshot/>", BAD_FLAG));
    INVALID_PTR(strata_snapshot_edit((strata_snapshot *) dom, "<domainsnapshot/>", 0));
    INVALID_PTR(strata_snapshot_edit(snap, "<domainsnapshot/>",
                                     STRATA_SNAPSHOT_EDIT_RENAME | STRATA_SNAPSHOT_EDIT_CLONE));
    FAILS_PTR(strata_snapshot_edit(snap, "<domainsnapshot><name>s1", 0), STRATA_ERR_XML);
    {
        char *xml = strata_snapshot_get_xml(snap, 0);
        char *renamed = NULL;
        char *at = xml ? strstr(xml, "<name>s1</name>") : NULL;

        expect(__LINE__, "the XML of s1", at != NULL, STRATA_OK);
        if (at) {
            renamed = malloc(strlen(xml) + 16);
            sprintf(renamed, "%.*s<name>s2</name>%s", (int) (at - xml), xml,
                    at + strlen("<name>s1</name>"));
            /* A new name without RENAME or CLONE changes nothing. */
            FAILS_PTR(strata_snapshot_edit(snap, renamed, 0), STRATA_ERR_CONFLICT);
        }
        free(renamed);
        free(xml);
    }
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        FAILS_PTR(strata_snapshot_create_as(dom, hostile[i], NULL, NULL, 0, 0),
                  STRATA_ERR_NAME);
    strata_snapshot_free(NULL);
    strata_snapshot_free((strata_snapshot *) conn);   /* ignored */

    /* Deleting. */
    INVALID_INT(strata_snapshot_delete(NULL, 0, NULL));
    INVALID_INT(strata_snapshot_delete(snap, BAD_FLAG, NULL));
    INVALID_INT(strata_snapshot_delete(snap, STRATA_DELETE_CHILDREN |
                                       STRATA_DELETE_CHILDREN_ONLY, NULL));
    INVALID_INT(strata_snapshot_delete(snap, STRATA_DELETE_METADATA_ONLY |
                                       STRATA_DELETE_VERIFY, NULL));
    INVALID_INT(strata_snapshot_delete(snap, STRATA_DELETE_METADATA_ONLY,
                                       &(strata_delete_params) { .speed = 1 }));
    INVALID_INT(strata_snapshot_delete(snap, 0, &(strata_delete_params) { .timeout_s = 1u << 30 }));
    INVALID_PTR(strata_snapshot_delete_plan(NULL, 0));
    INVALID_PTR(strata_snapshot_delete_plan(snap, BAD_FLAG));
    expect(__LINE__, "plan_num_steps(NULL)", strata_plan_num_steps(NULL) == 0,
           STRATA_ERR_INVALID_ARG);
    INVALID_PTR(strata_plan_get_step(NULL, 0));
    INVALID_PTR(strata_plan_get_step(foreign, 0));
    expect(__LINE__, "plan_get_bytes(NULL)", strata_plan_get_bytes(NULL) == 0,
           STRATA_ERR_INVALID_ARG);
    INVALID_PTR(strata_plan_get_deleted(NULL));
    strata_plan_free(NULL);
    strata_plan_free(foreign);
    {
        strata_plan *plan = strata_snapshot_delete_plan(snap, 0);

        expect(__LINE__, "a plan", plan != NULL, STRATA_OK);
        INVALID_PTR(strata_plan_get_step(plan, strata_plan_num_steps(plan)));
        strata_plan_free(plan);
    }

    /* Chains. */
    INVALID_PTR(strata_chain_open_file(NULL, NULL, NULL, 0));
    INVALID_PTR(strata_chain_open_file(argv[3], NULL, NULL, BAD_FLAG));
    FAILS_PTR(strata_chain_open_file("/nonexistent/x.qcow2", NULL, NULL, 0),
              STRATA_ERR_NOT_FOUND);
    INVALID_PTR(strata_chain_open_disk(NULL, NULL, 0));
    INVALID_PTR(strata_chain_open_disk(dom, NULL, BAD_FLAG));
    FAILS_PTR(strata_chain_open_disk(dom, "vdz", 0), STRATA_ERR_NOT_FOUND);
    INVALID_PTR(strata_chain_open_file_params(NULL, NULL, 0));
    INVALID_PTR(strata_chain_open_file_params(argv[3], NULL, BAD_FLAG));
    FAILS_PTR(strata_chain_open_file_params("/nonexistent/x.qcow2", NULL, 0), STRATA_ERR_NOT_FOUND);
    INVALID_PTR(strata_chain_open_disk_params(NULL, NULL, NULL, 0));
    INVALID_PTR(strata_chain_open_disk_params(foreign, NULL, NULL, 0));
    INVALID_PTR(strata_chain_open_disk_params(dom, NULL, NULL, BAD_FLAG));
    FAILS_PTR(strata_chain_open_disk_params(dom, "vdz", NULL, 0), STRATA_ERR_NOT_FOUND);
    {
        strata_chain_params raw = { .format = "raw" };
        strata_chain *chain = strata_chain_open_disk_params(dom, NULL, &raw, STRATA_CHAIN_NO_ALLOCATION);

        /* The disk read as raw: one layer, no header fields, no fault. */
        expect(__LINE__, "a chain read as raw",
               chain && strata_chain_num_layers(chain) == 1 &&
               strcmp(strata_chain_get_layer(chain, 0)->format, "raw") == 0, STRATA_OK);
        strata_chain_free(chain);
    }
    expect(__LINE__, "chain_num_layers(NULL)", strata_chain_num_layers(NULL) == 0,
           STRATA_ERR_INVALID_ARG);
    INVALID_PTR(strata_chain_get_layer(NULL, 0));
    INVALID_PTR(strata_chain_get_layer(foreign, 0));
    expect(__LINE__, "chain_num_faults(NULL)", strata_chain_num_faults(NULL) == 0,
           STRATA_ERR_INVALID_ARG);
    INVALID_PTR(strata_chain_get_fault(NULL, 0, 0, &code));
    INVALID_PTR(strata_chain_get_fault_hint(NULL, 0, 0));
    INVALID_PTR(strata_chain_get_fault_hint(foreign, 0, 0));
    {
        strata_chain *chain = strata_chain_open_disk(dom, NULL, 0);

        expect(__LINE__, "a chain", chain != NULL, STRATA_OK);
        INVALID_PTR(strata_chain_get_fault(chain, 0, 0, &code));
        INVALID_PTR(strata_chain_get_fault_hint(chain, 0, 0));
        INVALID_PTR(strata_chain_get_layer(chain, 99));
        strata_chain_free(chain);
    }
    strata_chain_free(NULL);
    strata_chain_free(foreign);

    /* Live domains, exports, reading. */
    INVALID_INT(strata_domain_start(NULL, NULL, 0));
    INVALID_INT(strata_domain_start(dom, NULL, BAD_FLAG));
    INVALID_INT(strata_domain_start(foreign, NULL, 0));
    FAILS_INT(strata_domain_start(dom, "ftp:x", 0), STRATA_ERR_USAGE);
    INVALID_INT(strata_domain_stop(NULL, 0));
    INVALID_INT(strata_domain_stop(dom, BAD_FLAG));
    FAILS_INT(strata_domain_stop(dom, 0), STRATA_ERR_NOT_FOUND);
    INVALID_INT(strata_domain_is_active(NULL));
    INVALID_INT(strata_domain_is_active(foreign));
    expect(__LINE__, "not active", strata_domain_is_active(dom) == 0, STRATA_OK);
    {
        strata_export *ex = NULL;

        INVALID_INT(strata_domain_export(NULL, NULL, NULL, NULL, &ex, 0));
        INVALID_INT(strata_domain_export(dom, NULL, NULL, NULL, NULL, 0));
        INVALID_INT(strata_domain_export(dom, NULL, NULL, NULL, &ex, BAD_FLAG));
        FAILS_INT(strata_domain_export(dom, "s9", NULL, NULL, &ex, 0), STRATA_ERR_NOT_FOUND);
        FAILS_INT(strata_domain_export(dom, NULL, "vdz", NULL, &ex, 0), STRATA_ERR_NOT_FOUND);
        FAILS_INT(strata_domain_export(dom, NULL, NULL, "ftp:x", &ex, 0), STRATA_ERR_USAGE);
        INVALID_INT(strata_domain_list_exports(NULL, &ex, 0));
        INVALID_INT(strata_domain_list_exports(dom, NULL, 0));
        INVALID_INT(strata_domain_list_exports(dom, &ex, BAD_FLAG));
        expect(__LINE__, "no exports", strata_domain_list_exports(dom, &ex, 0) == 0,
               STRATA_OK);
        strata_exports_free(ex, 0);
        INVALID_INT(strata_domain_export_stop(NULL, NULL, NULL, 0));
        INVALID_INT(strata_domain_export_stop(dom, NULL, NULL, BAD_FLAG));
        FAILS_INT(strata_domain_export_stop(dom, NULL, NULL, 0), STRATA_ERR_NOT_FOUND);
        strata_exports_free(NULL, 5);
    }
    {
        strata_extent *ext = NULL;
        strata_read_params many = { .connections = 1000 };

        INVALID_PTR(strata_domain_digest(NULL, NULL, NULL, NULL, 0));
        INVALID_PTR(strata_domain_digest(dom, NULL, NULL, NULL, BAD_FLAG));
        INVALID_PTR(strata_domain_digest(foreign, NULL, NULL, NULL, 0));
        INVALID_PTR(strata_domain_digest(dom, NULL, NULL, &many, 0));
        FAILS_PTR(strata_domain_digest(dom, "s9", NULL, NULL, 0), STRATA_ERR_NOT_FOUND);
        FAILS_PTR(strata_domain_digest(dom, NULL, "vdz", NULL, 0), STRATA_ERR_NOT_FOUND);
        INVALID_INT(strata_domain_diff(NULL, "s1", NULL, NULL, &ext, NULL, 0));
        INVALID_INT(strata_domain_diff(dom, NULL, NULL, NULL, &ext, NULL, 0));
        INVALID_INT(strata_domain_diff(dom, "s1", NULL, NULL, NULL, NULL, 0));
        INVALID_INT(strata_domain_diff(dom, "s1", NULL, NULL, &ext, NULL, BAD_FLAG));
        INVALID_INT(strata_domain_diff(dom, "s1", NULL, NULL, &ext, &many, 0));
        FAILS_INT(strata_domain_diff(dom, "s9", NULL, NULL, &ext, NULL, 0), STRATA_ERR_NOT_FOUND);
        for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
            FAILS_INT(strata_domain_diff(dom, hostile[i], NULL, NULL, &ext, NULL, 0),
                      STRATA_ERR_NAME);
            FAILS_PTR(strata_domain_digest(dom, hostile[i], NULL, NULL, 0), STRATA_ERR_NAME);
        }
        /* One point against itself: the same file, nothing differs. */
        expect(__LINE__, "diff s1 s1", strata_domain_diff(dom, "s1", "s1", NULL, &ext, NULL, 0) == 0,
               STRATA_OK);
        strata_extents_free(ext);
        for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
            FAILS_INT(strata_domain_export(dom, hostile[i], NULL, NULL, &(strata_export *) { 0 }, 0),
                      STRATA_ERR_NAME);
        strata_extents_free(NULL);
    }

    /* Jobs: a domain that is not live has none. */
    {
        strata_job *jobs = NULL;

        INVALID_INT(strata_domain_list_jobs(NULL, &jobs, 0));
        INVALID_INT(strata_domain_list_jobs(foreign, &jobs, 0));
        INVALID_INT(strata_domain_list_jobs(dom, NULL, 0));
        INVALID_INT(strata_domain_list_jobs(dom, &jobs, BAD_FLAG));
        expect(__LINE__, "no jobs", strata_domain_list_jobs(dom, &jobs, 0) == 0, STRATA_OK);
        strata_jobs_free(jobs, 0);
        strata_jobs_free(NULL, 3);
    }

    /* Orphans: a new domain has none. */
    {
        strata_orphan *o = NULL;

        INVALID_INT(strata_domain_list_orphans(NULL, &o, 0));
        INVALID_INT(strata_domain_list_orphans(foreign, &o, 0));
        INVALID_INT(strata_domain_list_orphans(dom, NULL, 0));
        INVALID_INT(strata_domain_list_orphans(dom, &o, BAD_FLAG));
        expect(__LINE__, "no orphans", strata_domain_list_orphans(dom, &o, 0) == 0, STRATA_OK);
        strata_orphans_free(o, 0);
        strata_orphans_free(NULL, 3);
    }

    /* The log callback: flags checked, the default kept on refusal. */
    INVALID_INT(strata_set_log_callback(NULL, NULL, BAD_FLAG));
    INVALID_INT(strata_set_log_callback(NULL, NULL, STRATA_LOG_WANT_DEBUG));
    expect(__LINE__, "log callback reset", strata_set_log_callback(NULL, NULL, 0) == 0, STRATA_OK);

    /* Block jobs: the checks come before any file is touched. */
    {
        strata_job_params slow = { .timeout_s = 1u << 30 };

        INVALID_INT(strata_domain_block_commit(NULL, "vda", NULL, NULL, 0, NULL));
        INVALID_INT(strata_domain_block_commit(foreign, "vda", NULL, NULL, 0, NULL));
        INVALID_INT(strata_domain_block_commit(dom, NULL, NULL, NULL, 0, NULL));
        INVALID_INT(strata_domain_block_commit(dom, "vda", NULL, NULL, BAD_FLAG, NULL));
        INVALID_INT(strata_domain_block_commit(dom, "vda", "", NULL, 0, NULL));
        INVALID_INT(strata_domain_block_commit(dom, "vda", NULL, "", 0, NULL));
        INVALID_INT(strata_domain_block_commit(dom, "vda", NULL, NULL, 0, &slow));
        FAILS_INT(strata_domain_block_commit(dom, "vdz", NULL, NULL, 0, NULL), STRATA_ERR_NOT_FOUND);
        FAILS_INT(strata_domain_block_commit(dom, "vda", "/nonexistent", NULL, 0, NULL),
                  STRATA_ERR_NOT_FOUND);
        INVALID_INT(strata_domain_block_pull(NULL, "vda", NULL, 0, NULL));
        INVALID_INT(strata_domain_block_pull(foreign, "vda", NULL, 0, NULL));
        INVALID_INT(strata_domain_block_pull(dom, NULL, NULL, 0, NULL));
        INVALID_INT(strata_domain_block_pull(dom, "vda", NULL, STRATA_BLOCK_COMMIT_ACTIVE, NULL));
        INVALID_INT(strata_domain_block_pull(dom, "vda", "", 0, NULL));
        INVALID_INT(strata_domain_block_pull(dom, "vda", NULL, 0, &slow));
        FAILS_INT(strata_domain_block_pull(dom, "vdz", NULL, 0, NULL), STRATA_ERR_NOT_FOUND);
        FAILS_INT(strata_domain_block_pull(dom, "vda", "/nonexistent", 0, NULL), STRATA_ERR_NOT_FOUND);
    }

    /* libvirt's files. */
    INVALID_PTR(strata_domain_import_libvirt(NULL, "x", NULL, NULL, 0));
    INVALID_PTR(strata_domain_import_libvirt(conn, NULL, NULL, NULL, 0));
    INVALID_PTR(strata_domain_import_libvirt(conn, "x", NULL, NULL, BAD_FLAG));
    INVALID_PTR(strata_domain_import_libvirt(conn, "x", "", NULL, 0));
    INVALID_PTR(strata_domain_import_libvirt((strata_conn *) dom, "x", NULL, NULL, 0));
    /* No domain file: an I/O error naming it (errno ENOENT). */
    FAILS_PTR(strata_domain_import_libvirt(conn, "x", "/nonexistent", "/nonexistent", 0),
              STRATA_ERR_IO);
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        FAILS_PTR(strata_domain_import_libvirt(conn, hostile[i], "/nonexistent", NULL, 0),
                  STRATA_ERR_NAME);
    INVALID_INT(strata_domain_export_libvirt(NULL, "/tmp", 0));
    INVALID_INT(strata_domain_export_libvirt(dom, NULL, 0));
    INVALID_INT(strata_domain_export_libvirt(dom, "", 0));
    INVALID_INT(strata_domain_export_libvirt(dom, "/tmp", BAD_FLAG));
    INVALID_INT(strata_domain_export_libvirt(foreign, "/tmp", 0));

    /* Errors themselves. */
    expect(__LINE__, "no last error", strata_last_error() == NULL, STRATA_OK);
    expect(__LINE__, "code names", strata_error_code_name(999) == NULL &&
           strcmp(strata_error_code_name(STRATA_ERR_NOT_FOUND), "not-found") == 0 &&
           strcmp(strata_error_code_name(STRATA_ERR_INVALID_ARG), "invalid-arg") == 0,
           STRATA_OK);

    /* A domain outliving its connection is refused, not a crash. */
    closed = strata_open(argv[1], argv[2], 0);
    orphan = strata_domain_lookup(closed, "good");
    strata_close(closed);
    strata_close(closed);                   /* twice: ignored */
    INVALID_PTR(strata_domain_get_xml(orphan, 0));
    INVALID_PTR(strata_snapshot_lookup(orphan, "s1"));
    strata_domain_free(orphan);             /* frees the connection too */

    strata_snapshot_free(snap);
    strata_domain_free(dom);
    strata_close(conn);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
