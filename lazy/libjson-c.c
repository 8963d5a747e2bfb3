/* lazy/libjson-c.c: the json-c functions strata calls, loaded on first
 * use (lazy.h says why: 'chain show --json' writes its JSON with
 * common/jsonw and needs no library but libc).  Add a line here when
 * strata calls a new one: the link fails until you do. */
#include "config.h"

#include <json-c/json.h>

#include "lazy/lazy.h"

static struct st_lazylib libjsonc = {
    .soname = ST_SONAME_LIBJSONC, .package = "libjson-c5", .purpose = "JSON",
};

ST_LAZY(libjsonc, int, json_object_array_add, (struct json_object *obj, struct json_object *val),
        (obj, val))
ST_LAZY(libjsonc, struct json_object *, json_object_array_get_idx,
        (const struct json_object *obj, size_t idx), (obj, idx))
ST_LAZY(libjsonc, size_t, json_object_array_length, (const struct json_object *obj), (obj))
ST_LAZY(libjsonc, struct json_object *, json_object_get, (struct json_object *obj), (obj))
ST_LAZY(libjsonc, json_bool, json_object_get_boolean, (const struct json_object *obj), (obj))
ST_LAZY(libjsonc, int64_t, json_object_get_int64, (const struct json_object *obj), (obj))
ST_LAZY(libjsonc, struct lh_table *, json_object_get_object, (const struct json_object *obj), (obj))
ST_LAZY(libjsonc, const char *, json_object_get_string, (struct json_object *obj), (obj))
ST_LAZY(libjsonc, int, json_object_is_type, (const struct json_object *obj, enum json_type type),
        (obj, type))
ST_LAZY(libjsonc, struct json_object *, json_object_new_array, (void), ())
ST_LAZY(libjsonc, struct json_object *, json_object_new_boolean, (json_bool b), (b))
ST_LAZY(libjsonc, struct json_object *, json_object_new_int64, (int64_t i), (i))
ST_LAZY(libjsonc, struct json_object *, json_object_new_object, (void), ())
ST_LAZY(libjsonc, struct json_object *, json_object_new_string, (const char *s), (s))
ST_LAZY(libjsonc, int, json_object_object_add,
        (struct json_object *obj, const char *key, struct json_object *val), (obj, key, val))
ST_LAZY_VOID(libjsonc, json_object_object_del, (struct json_object *obj, const char *key), (obj, key))
ST_LAZY(libjsonc, json_bool, json_object_object_get_ex,
        (const struct json_object *obj, const char *key, struct json_object **value),
        (obj, key, value))
ST_LAZY(libjsonc, int, json_object_object_length, (const struct json_object *obj), (obj))
ST_LAZY(libjsonc, int, json_object_put, (struct json_object *obj), (obj))
ST_LAZY(libjsonc, const char *, json_object_to_json_string_ext, (struct json_object *obj, int flags),
        (obj, flags))
ST_LAZY(libjsonc, const char *, json_tokener_error_desc, (enum json_tokener_error jerr), (jerr))
ST_LAZY_VOID(libjsonc, json_tokener_free, (struct json_tokener *tok), (tok))
ST_LAZY(libjsonc, enum json_tokener_error, json_tokener_get_error, (struct json_tokener *tok), (tok))
ST_LAZY(libjsonc, struct json_tokener *, json_tokener_new, (void), ())
ST_LAZY(libjsonc, struct json_object *, json_tokener_parse_ex,
        (struct json_tokener *tok, const char *str, int len), (tok, str, len))
