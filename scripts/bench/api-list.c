/* scripts/bench/api-list.c: the in-process row of scripts/bench/list-10k:
 * strata_snapshot_list_names() of DOMAIN RUNS times through libstrata
 * (a new connection and lookup each time, as a program starting would
 * do); prints the median seconds per call and the count (checked).
 *
 *   api-list STATE-DIR DOMAIN RUNS */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <strata.h>

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    int runs = argc == 4 ? atoi(argv[3]) : 0;
    double t[101];
    int n = -1;

    if (runs <= 0 || runs > 101) {
        fprintf(stderr, "usage: %s STATE-DIR DOMAIN RUNS (1-101)\n", argv[0]);
        return 2;
    }
    for (int i = 0; i < runs; i++) {
        double start = now_s();
        strata_conn *conn = strata_open(argv[1], NULL, 0);
        strata_domain *dom = conn ? strata_domain_lookup(conn, argv[2]) : NULL;
        char **names = NULL;

        if (!dom || (n = strata_snapshot_list_names(dom, &names, 0)) < 0) {
            fprintf(stderr, "%s\n", strata_error_get_message(strata_last_error()));
            return 1;
        }
        strata_names_free(names);
        strata_domain_free(dom);
        strata_close(conn);
        t[i] = now_s() - start;
    }
    qsort(t, (size_t) runs, sizeof t[0], cmp);
    printf("%.3f %d\n", t[runs / 2], n);
    return 0;
}
