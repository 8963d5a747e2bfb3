/* common/name.c: refuse names that could escape a directory or confuse
 * a terminal or a command line. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "common/name.h"

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 if
 * the bytes are not valid UTF-8 (overlong forms and surrogates refused). */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned int cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    /* C1 control characters (U+0080..U+009F) are not printable either. */
    if (cp >= 0x80 && cp <= 0x9f)
        return 0;
    return len;
}

bool
st_name_check(const char *kind, const char *name, struct st_error **errp)
{
    size_t len;

    if (!name || name[0] == '\0') {
        st_error_set(errp, ST_E_NAME, "%s name is empty", kind);
        st_error_hint(errp, "give a name of 1 to %d printable characters", ST_NAME_MAX);
        return false;
    }
    len = strnlen(name, ST_NAME_MAX + 1);
    if (len > ST_NAME_MAX) {
        st_error_set(errp, ST_E_NAME, "%s name is longer than %d bytes", kind, ST_NAME_MAX);
        return false;
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        st_error_set(errp, ST_E_NAME, "%s name '%s' is reserved", kind, name);
        return false;
    }
    if (name[0] == '-') {
        st_error_set(errp, ST_E_NAME, "%s name '%s' starts with '-'", kind, name);
        st_error_hint(errp, "a leading '-' would be read as an option; rename it");
        return false;
    }
    for (size_t i = 0; i < len;) {
        const unsigned char c = (unsigned char) name[i];
        size_t n;

        if (c == '/') {
            st_error_set(errp, ST_E_NAME, "%s name '%s' contains '/'", kind, name);
            st_error_hint(errp, "names become file names in the store and may not contain '/'");
            return false;
        }
        if (c < 0x20 || c == 0x7f) {
            /* Do not echo the name: it holds control characters. */
            st_error_set(errp, ST_E_NAME,
                         "%s name contains a control character (byte 0x%02x at offset %zu)",
                         kind, c, i);
            return false;
        }
        n = utf8_seq_len((const unsigned char *) name + i, len - i);
        if (n == 0) {
            st_error_set(errp, ST_E_NAME,
                         "%s name is not printable UTF-8 (byte 0x%02x at offset %zu)",
                         kind, c, i);
            return false;
        }
        i += n;
    }
    return true;
}
