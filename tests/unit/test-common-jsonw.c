/* tests/unit/test-common-jsonw.c: the streaming writer prints exactly
 * what json-c's pretty printer (st_json_pretty) prints for the same
 * document: 'chain show --json' switched from one to the other and its
 * output must not change by a byte. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"
#include "common/jsonw.h"

/* The writer's output, as a string the caller frees. */
struct sink {
    char *buf;
    size_t len;
    FILE *f;
};

static struct st_jw *
sink_open(struct sink *s)
{
    struct st_jw *w = malloc(sizeof *w);

    assert_non_null(w);
    s->f = open_memstream(&s->buf, &s->len);
    assert_non_null(s->f);
    st_jw_init(w, s->f);
    return w;
}

static void
same(struct sink *s, struct st_jw *w, struct json_object *expect)
{
    char *want = st_json_pretty(expect);

    free(w);
    assert_int_equal(fclose(s->f), 0);
    if (strcmp(s->buf, want) != 0)
        fail_msg("writer:\n%s\njson-c:\n%s", s->buf, want);
    free(want);
    free(s->buf);
    json_object_put(expect);
}

static void
test_scalars_and_nesting(void **state)
{
    struct sink s;
    struct st_jw *w = sink_open(&s);
    struct json_object *o = json_object_new_object(), *a = json_object_new_array(),
                       *inner = json_object_new_object();

    (void) state;
    st_jw_object(w, NULL);
    st_jw_string(w, "s", "plain");
    st_jw_null(w, "n");
    st_jw_string(w, "nullstr", NULL);
    st_jw_int(w, "zero", 0);
    st_jw_int(w, "neg", -5);
    st_jw_int(w, "min", INT64_MIN);
    st_jw_int(w, "max", INT64_MAX);
    st_jw_u64_or_null(w, "big", true, UINT64_MAX);
    st_jw_u64_or_null(w, "unknown", false, 7);
    st_jw_bool(w, "t", true);
    st_jw_bool(w, "f", false);
    st_jw_array(w, "a");
    st_jw_object(w, NULL);
    st_jw_int(w, "k", 1);
    st_jw_end(w);
    st_jw_string(w, NULL, "y");
    st_jw_null(w, NULL);
    st_jw_end(w);
    st_jw_end(w);

    json_object_object_add(o, "s", json_object_new_string("plain"));
    json_object_object_add(o, "n", NULL);
    json_object_object_add(o, "nullstr", NULL);
    json_object_object_add(o, "zero", json_object_new_int64(0));
    json_object_object_add(o, "neg", json_object_new_int64(-5));
    json_object_object_add(o, "min", json_object_new_int64(INT64_MIN));
    json_object_object_add(o, "max", json_object_new_int64(INT64_MAX));
    json_object_object_add(o, "big", json_object_new_int64((int64_t) UINT64_MAX));
    json_object_object_add(o, "unknown", NULL);
    json_object_object_add(o, "t", json_object_new_boolean(1));
    json_object_object_add(o, "f", json_object_new_boolean(0));
    json_object_object_add(inner, "k", json_object_new_int64(1));
    json_object_array_add(a, inner);
    json_object_array_add(a, json_object_new_string("y"));
    json_object_array_add(a, NULL);
    json_object_object_add(o, "a", a);
    same(&s, w, o);
}

static void
test_empty_containers(void **state)
{
    struct sink s;
    struct st_jw *w = sink_open(&s);
    struct json_object *o = json_object_new_object(), *a = json_object_new_array();

    (void) state;
    st_jw_object(w, NULL);
    st_jw_array(w, "empty-array");
    st_jw_end(w);
    st_jw_object(w, "empty-object");
    st_jw_end(w);
    st_jw_array(w, "array-of-empty");
    st_jw_object(w, NULL);
    st_jw_end(w);
    st_jw_array(w, NULL);
    st_jw_end(w);
    st_jw_end(w);
    st_jw_end(w);

    json_object_object_add(o, "empty-array", json_object_new_array());
    json_object_object_add(o, "empty-object", json_object_new_object());
    json_object_array_add(a, json_object_new_object());
    json_object_array_add(a, json_object_new_array());
    json_object_object_add(o, "array-of-empty", a);
    same(&s, w, o);

    /* An empty document at the top. */
    w = sink_open(&s);
    st_jw_object(w, NULL);
    st_jw_end(w);
    same(&s, w, json_object_new_object());
}

/* Every byte value in strings and keys: control bytes, quotes,
 * backslash, slash, DEL and UTF-8 bytes must be escaped (or not)
 * exactly as json-c does. */
static void
test_every_byte_escaped_alike(void **state)
{
    struct sink s;
    struct st_jw *w = sink_open(&s);
    struct json_object *o = json_object_new_object();
    char all[256], key[8];

    (void) state;
    for (int i = 1; i < 256; i++)
        all[i - 1] = (char) i;
    all[255] = '\0';
    st_jw_object(w, NULL);
    st_jw_string(w, "all", all);
    json_object_object_add(o, "all", json_object_new_string(all));
    for (int i = 1; i < 256; i++) {
        snprintf(key, sizeof key, "%c", i);
        st_jw_string(w, key, key);
        json_object_object_add(o, key, json_object_new_string(key));
    }
    st_jw_string(w, "", "");
    json_object_object_add(o, "", json_object_new_string(""));
    st_jw_end(w);
    same(&s, w, o);
}

/* Keys and strings of every length up to past the writer's short-copy
 * cases (0..64 bytes copied by fixed-size moves), at several depths,
 * each a different text so that a byte copied from the wrong place
 * shows. */
static void
test_every_length(void **state)
{
    struct sink s;
    struct st_jw *w = sink_open(&s);
    struct json_object *o = json_object_new_object(), *inner = json_object_new_object();
    char text[160];

    (void) state;
    st_jw_object(w, NULL);
    for (int depth = 0; depth < 2; depth++) {
        struct json_object *to = depth ? inner : o;

        if (depth)
            st_jw_object(w, "inner");
        for (size_t n = 0; n < sizeof text - 1; n++) {
            for (size_t i = 0; i < n; i++)
                text[i] = (char) ('A' + (i * 7 + n + (size_t) depth) % 57);
            text[n] = '\0';
            st_jw_string(w, text, text + n / 2);
            json_object_object_add(to, text, json_object_new_string(text + n / 2));
        }
        if (depth)
            st_jw_end(w);
    }
    json_object_object_add(o, "inner", inner);
    st_jw_end(w);
    same(&s, w, o);
}

/* Documents larger than the writer's buffer, and strings larger than it,
 * come out whole. */
static void
test_larger_than_buffer(void **state)
{
    struct sink s;
    struct st_jw *w = sink_open(&s);
    struct json_object *o = json_object_new_object(), *a = json_object_new_array();
    size_t big_len = 3 * ST_JW_BUF_SIZE + 17;
    char *big = malloc(big_len + 1);

    (void) state;
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char) ('a' + i % 26);
    big[big_len] = '\0';
    big[100] = '\n';
    st_jw_object(w, NULL);
    st_jw_string(w, "big", big);
    st_jw_array(w, "many");
    for (int i = 0; i < 5000; i++) {
        st_jw_int(w, NULL, i);
        json_object_array_add(a, json_object_new_int64(i));
    }
    st_jw_end(w);
    st_jw_end(w);
    json_object_object_add(o, "big", json_object_new_string(big));
    json_object_object_add(o, "many", a);
    same(&s, w, o);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_and_nesting),
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_every_byte_escaped_alike),
        cmocka_unit_test(test_larger_than_buffer),
        cmocka_unit_test(test_every_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
