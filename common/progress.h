/* common/progress.h: a progress bar on stderr for long jobs.  It draws
 * only when enabled (the CLI enables it when stderr is a terminal and
 * neither --json nor -q was given); otherwise every call is a no-op. */
#ifndef ST_COMMON_PROGRESS_H
#define ST_COMMON_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct st_progress {
    bool enabled;
    const char *label;      /* borrowed, e.g. "commit vda" */
    int last_permille;      /* last drawn value, -1 before the first draw */
    bool drawn;
};

/* Whether a bar should be drawn at all: stderr is a tty and not quiet. */
bool st_progress_wanted(bool json_output);
void st_progress_begin(struct st_progress *p, const char *label, bool enabled);
/* @done of @total units; a total of 0 draws an empty bar. */
void st_progress_update(struct st_progress *p, uint64_t done, uint64_t total);
/* Draw @label (borrowed) from the next update on, at once if a bar is
 * drawn: a job that waits says why on its own line. */
void st_progress_relabel(struct st_progress *p, const char *label);
/* Finish the line (newline) if anything was drawn. */
void st_progress_end(struct st_progress *p);

#endif
