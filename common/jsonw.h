/* common/jsonw.h: a streaming JSON writer whose output is byte for byte
 * what st_json_pretty() prints for the same document (json-c's pretty,
 * spaced layout; tests/unit/test-common-jsonw.c holds it to that).
 *
 * Why a second way to write JSON: building a json-c tree for a 256-deep
 * 'chain show --json', printing it and freeing it took 13 of the 16
 * million instructions of the whole command; writing the text directly
 * takes a small fraction.  Use it where output size grows with the input
 * (chains, lists); json-c stays the tool for documents strata reads or
 * edits.
 *
 *   struct st_jw w;
 *   st_jw_init(&w, out);
 *   st_jw_object(&w, NULL);
 *   st_jw_string(&w, "path", "a.qcow2");
 *   st_jw_array(&w, "faults");
 *   st_jw_end(&w);            (closes the array)
 *   st_jw_end(&w);            (closes the object, ends the line)
 *
 * Keys are NULL inside arrays and at the top, a string inside objects.
 * Text collects in a buffer that goes to the FILE in large writes (stdio
 * per token cost more than the rest): when it fills, and when the
 * outermost container is closed.  Write errors stick to the FILE (check
 * ferror() at the end). */
#ifndef ST_COMMON_JSONW_H
#define ST_COMMON_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ST_JW_MAX_DEPTH 64

#define ST_JW_BUF_SIZE 16384

struct st_jw {
    FILE *f;
    unsigned depth;                 /* open containers */
    bool first;                     /* nothing written yet in the innermost */
    char close[ST_JW_MAX_DEPTH];    /* '}' or ']' per open container */
    size_t len;                     /* bytes waiting in buf */
    char buf[ST_JW_BUF_SIZE];
};

void st_jw_init(struct st_jw *w, FILE *f);
/* Open a container; nesting deeper than ST_JW_MAX_DEPTH aborts (a bug). */
void st_jw_object(struct st_jw *w, const char *key);
void st_jw_array(struct st_jw *w, const char *key);
/* Close the innermost container; closing the outermost ends the line. */
void st_jw_end(struct st_jw *w);

/* Values; a NULL string is written as null. */
void st_jw_string(struct st_jw *w, const char *key, const char *s);
void st_jw_int(struct st_jw *w, const char *key, int64_t v);
void st_jw_bool(struct st_jw *w, const char *key, bool v);
void st_jw_null(struct st_jw *w, const char *key);
/* @v when @known, else null: sizes that a damaged layer cannot give. */
void st_jw_u64_or_null(struct st_jw *w, const char *key, bool known, uint64_t v);

#endif
