/* common/jsonw.c: streaming JSON in json-c's pretty layout (jsonw.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"

void
st_jw_init(struct st_jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->first = true;
    w->len = 0;
}

static void
flush(struct st_jw *w)
{
    fwrite(w->buf, 1, w->len, w->f);
    w->len = 0;
}

/* memcpy() for the short runs JSON is made of (keys, indents, paths,
 * digits): fixed-size moves the compiler inlines, where a call cost as
 * much as the copy.  Overlapping moves cover the odd lengths. */
static void
copy(char *d, const char *s, size_t n)
{
    if (n > 64) {
        memcpy(d, s, n);
    } else if (n >= 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            memcpy(d + i, s + i, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
}

static void
put(struct st_jw *w, const char *p, size_t n)
{
    if (n > sizeof w->buf - w->len) {
        flush(w);
        if (n > sizeof w->buf) {
            fwrite(p, 1, n, w->f);
            return;
        }
    }
    copy(w->buf + w->len, p, n);
    w->len += n;
}

static void
put_char(struct st_jw *w, char c)
{
    if (w->len == sizeof w->buf)
        flush(w);
    w->buf[w->len++] = c;
}

static void
put_str(struct st_jw *w, const char *s)
{
    put(w, s, strlen(s));
}

/* A comma, a newline and the most indent there can be (two spaces per
 * open container): what goes before an item is a slice of it, copied
 * in one go. */
static const char comma_indent[2 + 2 * ST_JW_MAX_DEPTH] = {
    ',', '\n', [2 ... 2 * ST_JW_MAX_DEPTH + 1] = ' '
};

/* A newline and two spaces per open container. */
static void
put_indent(struct st_jw *w)
{
    put(w, comma_indent + 1, 1 + 2 * (size_t) w->depth);
}

/* json-c's escaping: the two JSON specials, the usual short forms, any
 * other control byte as \u00xx; '/' (NOSLASHESCAPE), DEL and bytes over
 * 0x7f as they are.  The table marks the bytes that stop the fast scan
 * (the terminating NUL among them). */
static const bool stops[256] = { [0 ... 0x1f] = true, ['"'] = true, ['\\'] = true };

/* Room for @n more bytes in the buffer (@n at most its size). */
static char *
reserve(struct st_jw *w, size_t n)
{
    if (n > sizeof w->buf - w->len)
        flush(w);
    return w->buf + w->len;
}

static void
put_string(struct st_jw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *end = s;

    while (!stops[(unsigned char) *end])
        end++;
    /* Nothing to escape (paths, formats: nearly every string): the
     * quotes and the text in one reservation. */
    if (!*end && (size_t) (end - s) + 2 <= sizeof w->buf) {
        size_t n = (size_t) (end - s);
        char *p = reserve(w, n + 2);

        p[0] = '"';
        copy(p + 1, s, n);
        p[n + 1] = '"';
        w->len += n + 2;
        return;
    }
    put_char(w, '"');
    for (;;) {
        const char *run = s;
        unsigned char c;
        const char *esc;

        while (!stops[(unsigned char) *s])
            s++;
        put(w, run, (size_t) (s - run));
        if (!(c = (unsigned char) *s++))
            break;
        switch (c) {
        case '"':  esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: {
            char u[] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

            put(w, u, sizeof u);
            continue;
        }
        }
        put_str(w, esc);
    }
    put_char(w, '"');
}

/* What goes before a value: nothing at the top; inside a container a
 * comma unless first, the indent and the key.  A key that needs no
 * escaping (all of strata's) is copied with the rest in one go: this
 * runs for every value, and byte-at-a-time writing was most of the cost
 * of a deep chain's JSON. */
static void
item(struct st_jw *w, const char *key)
{
    size_t klen = 0, lead, n;
    char *p;

    if (w->depth == 0)
        return;
    if (key) {
        /* One pass finds both the length and whether the key needs
         * escaping: the terminating NUL is among the stops. */
        const char *k = key;

        while (!stops[(unsigned char) *k])
            k++;
        if (*k)
            goto slow;
        klen = (size_t) (k - key);
    }
    lead = 2 + 2 * (size_t) w->depth - w->first;   /* [comma] newline indent */
    n = lead + (key ? klen + 4 : 0);
    if (n > sizeof w->buf)
        goto slow;
    p = reserve(w, n);
    copy(p, comma_indent + w->first, lead);
    p += lead;
    if (key) {
        *p++ = '"';
        copy(p, key, klen);
        p += klen;
        *p++ = '"';
        *p++ = ':';
        *p++ = ' ';
    }
    w->len = (size_t) (p - w->buf);
    w->first = false;
    return;

 slow:
    if (!w->first)
        put_char(w, ',');
    put_indent(w);
    w->first = false;
    if (key) {
        put_string(w, key);
        put(w, ": ", 2);
    }
}

static void
open_container(struct st_jw *w, const char *key, char open, char close)
{
    item(w, key);
    if (w->depth >= ST_JW_MAX_DEPTH)
        abort();
    put_char(w, open);
    w->close[w->depth++] = close;
    w->first = true;
}

void
st_jw_object(struct st_jw *w, const char *key)
{
    open_container(w, key, '{', '}');
}

void
st_jw_array(struct st_jw *w, const char *key)
{
    open_container(w, key, '[', ']');
}

void
st_jw_end(struct st_jw *w)
{
    if (w->depth == 0)
        abort();
    w->depth--;
    put_indent(w);
    put_char(w, w->close[w->depth]);
    w->first = false;
    if (w->depth == 0) {
        put_char(w, '\n');
        flush(w);
    }
}

void
st_jw_string(struct st_jw *w, const char *key, const char *s)
{
    if (!s) {
        st_jw_null(w, key);
        return;
    }
    item(w, key);
    put_string(w, s);
}

/* "00" to "99": digits are written two at a time, which halves the
 * divisions (eight numbers per layer in 'chain show'). */
static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void
st_jw_int(struct st_jw *w, const char *key, int64_t v)
{
    char digits[24], *p = digits + sizeof digits, *out;
    /* Through uint64_t: -INT64_MIN does not fit in int64_t. */
    uint64_t u = v < 0 ? -(uint64_t) v : (uint64_t) v;
    size_t n;

    item(w, key);
    while (u >= 100) {
        p -= 2;
        memcpy(p, pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * u, 2);
    } else {
        *--p = (char) ('0' + u);
    }
    if (v < 0)
        *--p = '-';
    n = (size_t) (digits + sizeof digits - p);
    out = reserve(w, n);
    copy(out, p, n);
    w->len += n;
}

void
st_jw_bool(struct st_jw *w, const char *key, bool v)
{
    item(w, key);
    put_str(w, v ? "true" : "false");
}

void
st_jw_null(struct st_jw *w, const char *key)
{
    item(w, key);
    put(w, "null", 4);
}

void
st_jw_u64_or_null(struct st_jw *w, const char *key, bool known, uint64_t v)
{
    if (known)
        st_jw_int(w, key, (int64_t) v);
    else
        st_jw_null(w, key);
}
