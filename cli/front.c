/* cli/front.c: the 'strata' command itself, a small statically linked
 * front end (with musl where configure finds it).  It runs 'chain
 * show|check FILE' in-process and hands every other command line,
 * unchanged, to the engine (main.c, built as strata-engine beside it)
 * with execv(): same pid, same environment.
 *
 * Why: 'chain show' is what admins run most, on chains hundreds of
 * layers deep, and SPEC §9 wants it 20x faster than qemu-img.  On this
 * VM kind a dynamically linked program spends about 0.6 ms more before
 * and after main() than a static one (ld.so mapping and relocating libc,
 * page faults at ~11 us each), and glibc's static start 1 ms more than
 * musl's (CPUID instructions trapped by the hypervisor): together a
 * quarter of the whole command.  The engine cannot be static: it loads
 * libxml2, libnbd, json-c and libcrypto on first use (lazy/), which a
 * static glibc program cannot do safely.
 *
 * The front end prints only what it says exactly as the engine would: a
 * chain without faults, for a command line it reads exactly as the
 * engine does (cli_extract_globals(): exact spellings of the global
 * options).  Anything else goes to the engine, which has the whole
 * command table, the errors, and glibc's strerror() text (the front end
 * may be built with musl, whose messages differ). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "cli/chain-show.h"
#include "cli/cli.h"
#include "cli/report.h"

#define ENGINE_NAME "strata-engine"

static const struct command chain_command = {
    "chain", NULL, CLI_CHAIN_SYNOPSIS, CLI_CHAIN_SUMMARY,
};

/* The engine's path: beside this program's own file, from
 * /proc/self/exe, or without /proc (a chroot, a sandbox) from the name
 * this program was executed by (AT_EXECFN, relative to the directory
 * it was started in, which the front end has not left). */
static char *
engine_path(struct st_error **errp)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *name = self, *slash;

    if (n >= 0) {
        self[n] = '\0';
    } else if (!(name = (const char *) getauxval(AT_EXECFN))) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot find where strata is installed (/proc/self/exe)");
        st_error_hint(errp, "strata needs /proc mounted");
        return NULL;
    }
    slash = strrchr(name, '/');
    return st_xasprintf("%.*s/%s", slash ? (int) (slash - name) : 1, slash ? name : ".",
                        ENGINE_NAME);
}

/* Replace this process with the engine; returns only on failure (1). */
static int
run_engine(char **argv, bool json)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_FREE char *path = engine_path(&err);

    if (path) {
        fflush(NULL);
        execv(path, argv);
        st_error_set_errno(&err, errno, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
                           "cannot run the strata engine '%s'", path);
        st_error_set_path(&err, path);
        st_error_hint(&err, "strata-engine is built and must be installed beside strata ('ninja' builds both)");
    }
    cli_report_error(err, json);
    return 1;
}

int
main(int argc, char **argv)
{
    struct cli cli = { .prog = "strata", .command = chain_command.name, .cmd = &chain_command };
    CLEANUP_FREE char **orig = st_xcalloc((size_t) argc + 1, sizeof *orig);
    CLEANUP_FREE char *state_dir = NULL;
    CLEANUP_FREE char *run_dir = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    int status;

    /* cli_extract_globals() compacts argv; the engine gets it as given. */
    memcpy(orig, argv, (size_t) argc * sizeof *argv);
    if (argc < 2)
        return run_engine(orig, false);
    argc = cli_extract_globals(argc, argv, &cli, &state_dir, &run_dir);
    if (argc < 2 || strcmp(argv[1], "chain") != 0)
        return run_engine(orig, cli.json);
    if (!cli_begin(&cli, &state_dir, &run_dir))
        return 1;
    /* The front end prints a clean chain (or the command's help) and
     * nothing else: errors, faults and their debug lines are the
     * engine's to say, with glibc's strerror() text, so that 'strata'
     * says exactly what strata-engine says. */
    st_verbose = 0;
    status = cli_chain_run(&cli, argc - 1, argv + 1, NULL, &err);
    fclose(cli.out);
    if (status < 0 || status == CLI_CHAIN_NEEDS_ENGINE) {
        free(cli.out_buf);
        return run_engine(orig, cli.json);
    }
    return cli_finish(&cli, status, &err, NULL);
}
