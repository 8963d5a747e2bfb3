/* scripts/bench/api-chain.c: the in-process half of scripts/bench/api-chain:
 * open and free the chain under TOP CALLS times through libstrata,
 * print the median and minimum microseconds per call and the layer
 * count (the script checks it).
 *
 *   api-chain-loop TOP CALLS */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <strata.h>

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
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
    int calls = argc == 3 ? atoi(argv[2]) : 0;
    double *t;
    size_t layers = 0;

    if (calls <= 0) {
        fprintf(stderr, "usage: %s TOP CALLS\n", argv[0]);
        return 2;
    }
    t = calloc((size_t) calls, sizeof *t);
    for (int i = 0; i < calls; i++) {
        double start = now_us();
        strata_chain *c = strata_chain_open_file(argv[1], NULL, NULL, 0);

        if (!c) {
            fprintf(stderr, "%s\n", strata_error_get_message(strata_last_error()));
            return 1;
        }
        layers = strata_chain_num_layers(c);
        strata_chain_free(c);
        t[i] = now_us() - start;
    }
    qsort(t, (size_t) calls, sizeof *t, cmp);
    printf("%.1f %.1f %zu\n", t[calls / 2], t[0], layers);
    free(t);
    return 0;
}
