/* common/json.h: json-c helpers: cleanup, pretty printing, and typed
 * getters that return NULL/false instead of guessing on a wrong type. */
#ifndef ST_COMMON_JSON_H
#define ST_COMMON_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"

static inline void
st_cleanup_json(struct json_object **p)
{
    json_object_put(*p);
}
#define CLEANUP_JSON ST_CLEANUP(st_cleanup_json)

/* Pretty output for people and scripts (stdout). */
char *st_json_pretty(struct json_object *obj);
/* One line, as on the QMP wire. */
const char *st_json_plain(struct json_object *obj);

/* Typed, borrowed lookups: NULL / false when the key is absent or has
 * another type. */
struct json_object *st_json_get(struct json_object *obj, const char *key);
const char *st_json_get_string(struct json_object *obj, const char *key);
struct json_object *st_json_get_object(struct json_object *obj, const char *key);
struct json_object *st_json_get_array(struct json_object *obj, const char *key);
bool st_json_get_int64(struct json_object *obj, const char *key, int64_t *out);
bool st_json_get_bool(struct json_object *obj, const char *key, bool *out);

/* A string or JSON null when @s is NULL; new reference. */
struct json_object *st_json_string_or_null(const char *s);

/* Parse exactly one JSON document from @text; ST_E_INTERNAL-free:
 * a syntax error is reported with @what named. */
struct json_object *st_json_parse(const char *text, const char *what, struct st_error **errp);

#endif
