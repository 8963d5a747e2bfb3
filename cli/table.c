/* cli/table.c: virsh's table layout. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "common/xalloc.h"
#include "cli/table.h"

static void
add_row(struct cli_table *t, va_list ap)
{
    t->cells = st_xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof *t->cells);
    for (size_t i = 0; i < t->ncols; i++) {
        const char *s = va_arg(ap, const char *);

        t->cells[t->nrows * t->ncols + i] = st_xstrdup(s ? s : "");
    }
    t->nrows++;
}

struct cli_table *
cli_table_new(size_t ncols, ...)
{
    struct cli_table *t = st_xcalloc(1, sizeof *t);
    va_list ap;

    t->ncols = ncols;
    va_start(ap, ncols);
    add_row(t, ap);
    va_end(ap);
    return t;
}

void
cli_table_add(struct cli_table *t, ...)
{
    va_list ap;

    va_start(ap, t);
    add_row(t, ap);
    va_end(ap);
}

/* Columns on a terminal, as virsh counts them (multibyte aware). */
static size_t
width(const char *s)
{
    size_t n = 0;
    mbstate_t st;
    wchar_t wc;

    memset(&st, 0, sizeof st);
    while (*s) {
        size_t r = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int w;

        if (r == (size_t) -1 || r == (size_t) -2 || r == 0) {
            s++;
            n++;
            memset(&st, 0, sizeof st);
            continue;
        }
        w = wcwidth(wc);
        n += w > 0 ? (size_t) w : 0;
        s += r;
    }
    return n;
}

void
cli_table_print(const struct cli_table *t, FILE *fp)
{
    size_t *max = st_xcalloc(t->ncols, sizeof *max);

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = width(t->cells[r * t->ncols + c]);

            if (w > max[c])
                max[c] = w;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];

            fputc(' ', fp);
            fputs(cell, fp);
            if (c + 1 < t->ncols)
                fprintf(fp, "%*s", (int) (max[c] - width(cell) + 2), "");
        }
        fputc('\n', fp);
        if (r == 0) {
            for (size_t c = 0; c < t->ncols; c++)
                for (size_t i = 0; i < max[c] + 3; i++)
                    fputc('-', fp);
            fputc('\n', fp);
        }
    }
    free(max);
}

void
cli_table_free(struct cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
