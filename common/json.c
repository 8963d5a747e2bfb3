/* common/json.c: json-c helpers. */
#include "config.h"

#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"

char *
st_json_pretty(struct json_object *obj)
{
    return st_xasprintf("%s\n",
                        json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                                JSON_C_TO_STRING_SPACED |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
}

const char *
st_json_plain(struct json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
}

struct json_object *
st_json_get(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;

    if (!obj || !json_object_is_type(obj, json_type_object))
        return NULL;
    if (!json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

const char *
st_json_get_string(struct json_object *obj, const char *key)
{
    struct json_object *v = st_json_get(obj, key);

    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

struct json_object *
st_json_get_object(struct json_object *obj, const char *key)
{
    struct json_object *v = st_json_get(obj, key);

    return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

struct json_object *
st_json_get_array(struct json_object *obj, const char *key)
{
    struct json_object *v = st_json_get(obj, key);

    return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

bool
st_json_get_int64(struct json_object *obj, const char *key, int64_t *out)
{
    struct json_object *v = st_json_get(obj, key);

    if (!v || !json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_int64(v);
    return true;
}

bool
st_json_get_bool(struct json_object *obj, const char *key, bool *out)
{
    struct json_object *v = st_json_get(obj, key);

    if (!v || !json_object_is_type(v, json_type_boolean))
        return false;
    *out = json_object_get_boolean(v);
    return true;
}

struct json_object *
st_json_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

struct json_object *
st_json_parse(const char *text, const char *what, struct st_error **errp)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *obj;
    enum json_tokener_error jerr;
    size_t len = strlen(text);

    obj = json_tokener_parse_ex(tok, text, (int) (len > 0x7fffffff ? 0x7fffffff : len));
    jerr = json_tokener_get_error(tok);
    if (!obj || jerr != json_tokener_success) {
        st_error_set(errp, ST_E_INTERNAL, "%s: invalid JSON: %s", what,
                     jerr == json_tokener_continue ? "unexpected end of input"
                                                   : json_tokener_error_desc(jerr));
        json_object_put(obj);
        json_tokener_free(tok);
        return NULL;
    }
    json_tokener_free(tok);
    return obj;
}
