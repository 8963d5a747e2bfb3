/* common/progress.c: a one-line progress bar redrawn with '\r'. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/progress.h"

enum { BAR_WIDTH = 40 /* characters */ };

bool
st_progress_wanted(bool json_output)
{
    return !json_output && !st_quiet && isatty(STDERR_FILENO);
}

void
st_progress_begin(struct st_progress *p, const char *label, bool enabled)
{
    p->enabled = enabled;
    p->label = label;
    p->last_permille = -1;
    p->drawn = false;
}

void
st_progress_update(struct st_progress *p, uint64_t done, uint64_t total)
{
    int permille;
    int filled;

    if (!p->enabled)
        return;
    if (done > total)
        done = total;
    permille = total ? (int) ((done * 1000) / total) : 0;
    if (permille == p->last_permille)
        return;
    p->last_permille = permille;
    filled = permille * BAR_WIDTH / 1000;
    fprintf(stderr, "\r%s [", p->label ? p->label : "");
    for (int i = 0; i < BAR_WIDTH; i++)
        fputc(i < filled ? '#' : ' ', stderr);
    fprintf(stderr, "] %3d.%d%%", permille / 10, permille % 10);
    fflush(stderr);
    p->drawn = true;
}

void
st_progress_relabel(struct st_progress *p, const char *label)
{
    p->label = label;
    if (p->enabled && p->drawn) {
        /* Erase the old line: the new label may be shorter. */
        fputs("\r\033[K", stderr);
        p->drawn = false;
    }
    p->last_permille = -1;
}

void
st_progress_end(struct st_progress *p)
{
    if (p->enabled && p->drawn) {
        fputc('\n', stderr);
        fflush(stderr);
    }
    p->drawn = false;
}
