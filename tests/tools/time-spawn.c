/* tests/tools/time-spawn.c: median wall time of commands run in turn,
 * for the benchmarks under scripts/bench/.
 *
 *   time-spawn RUNS CMD1 ARGS... -- CMD2 ARGS... [-- ...]
 *
 * Runs CMD1, CMD2, ... one after the other, RUNS rounds (plus one
 * warm-up round that is not counted), each spawned directly (no shell)
 * with stdout on /dev/null, and prints one line per command: the median
 * and the minimum wall time in microseconds, the median over rounds of
 * CMD1's time divided by this command's in the same round (a paired
 * ratio: load that drifts during the run moves both sides of a round
 * alike), then the command.  Taking
 * the commands in turn means that all see the same background load; a
 * direct spawn keeps the harness's own cost (a shell's fork of itself
 * was 5 ms on a 2-core VM, more than the fastest command measured) out
 * of the numbers.  A command that exits non-zero stops the run: timing
 * a failure would compare nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long
now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static long long
run_once(char **argv, posix_spawn_file_actions_t *fa)
{
    long long t0 = now_us(), t1;
    pid_t pid;
    int status, rc;

    if ((rc = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ)) != 0) {
        fprintf(stderr, "time-spawn: cannot run %s: %s\n", argv[0], strerror(rc));
        exit(1);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("time-spawn: waitpid");
            exit(1);
        }
    t1 = now_us();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "time-spawn: %s failed (status 0x%x)\n", argv[0], status);
        exit(1);
    }
    return t1 - t0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;

    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    posix_spawn_file_actions_t fa;
    char **cmds[64];
    long long *times[64];
    double *ratios[64];
    int ncmd = 0, runs;

    if (argc < 3 || (runs = atoi(argv[1])) < 1) {
        fprintf(stderr, "usage: time-spawn RUNS CMD ARGS... [-- CMD ARGS...]...\n");
        return 1;
    }
    cmds[ncmd++] = &argv[2];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") != 0)
            continue;
        argv[i] = NULL;
        if (i + 1 >= argc || ncmd == 64) {
            fprintf(stderr, "time-spawn: empty command or more than 64\n");
            return 1;
        }
        cmds[ncmd++] = &argv[i + 1];
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    for (int c = 0; c < ncmd; c++) {
        if (!(times[c] = calloc((size_t) runs, sizeof(long long))) ||
            !(ratios[c] = calloc((size_t) runs, sizeof(double)))) {
            perror("time-spawn");
            return 1;
        }
        run_once(cmds[c], &fa);     /* warm-up: page cache, dentries */
    }
    for (int r = 0; r < runs; r++)
        for (int c = 0; c < ncmd; c++)
            times[c][r] = run_once(cmds[c], &fa);
    for (int c = ncmd - 1; c >= 0; c--) {
        /* Paired ratios first, while times[] is still in round order
         * (backwards, so that times[0] is sorted last). */
        for (int r = 0; r < runs; r++)
            ratios[c][r] = (double) times[0][r] / (double) (times[c][r] ? times[c][r] : 1);
        qsort(ratios[c], (size_t) runs, sizeof(double), cmp_double);
    }
    for (int c = 0; c < ncmd; c++) {
        qsort(times[c], (size_t) runs, sizeof(long long), cmp_ll);
        printf("%lld %lld %.3f", times[c][runs / 2], times[c][0], ratios[c][runs / 2]);
        for (char **a = cmds[c]; *a; a++)
            printf(" %s", *a);
        putchar('\n');
        free(times[c]);
        free(ratios[c]);
    }
    posix_spawn_file_actions_destroy(&fa);
    return 0;
}
