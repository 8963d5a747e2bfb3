/* ops/diskspec.c: parse virsh's --diskspec with its doubled-comma
 * escape, as virsh's vshParseDiskspec reads it, and build the snapshot
 * XML virsh makes of snapshot-create-as's arguments. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "xml/xmlbuf.h"
#include "ops/diskspec.h"

/* Split on single commas; ",," is a literal comma.  Owned strv. */
static char **
split_fields(const char *arg)
{
    char **fields = NULL;
    size_t len = strlen(arg);
    char *cur = st_xmalloc(len + 1);
    size_t n = 0;

    for (size_t i = 0; i <= len; i++) {
        if (arg[i] == ',' && arg[i + 1] == ',') {
            cur[n++] = ',';
            i++;
        } else if (arg[i] == ',' || arg[i] == '\0') {
            cur[n] = '\0';
            st_strv_add(&fields, cur);
            n = 0;
        } else {
            cur[n++] = arg[i];
        }
    }
    free(cur);
    return fields;
}

static bool
set_once(char **slot, const char *key, const char *value, const char *arg,
         struct st_error **errp)
{
    if (*slot) {
        st_error_set(errp, ST_E_USAGE, "diskspec '%s' gives '%s' twice", arg, key);
        return false;
    }
    if (!*value) {
        st_error_set(errp, ST_E_USAGE, "diskspec '%s' gives an empty '%s'", arg, key);
        return false;
    }
    *slot = st_xstrdup(value);
    return true;
}

bool
st_diskspec_parse(const char *arg, struct st_diskspec *spec, struct st_error **errp)
{
    CLEANUP_STRV char **fields = split_fields(arg);

    memset(spec, 0, sizeof *spec);
    if (!fields || !fields[0][0]) {
        st_error_set(errp, ST_E_USAGE, "diskspec '%s' does not start with a disk name", arg);
        st_error_hint(errp, "write DEV[,snapshot=no|external][,driver=qcow2][,file=PATH]");
        return false;
    }
    spec->dev = st_xstrdup(fields[0]);
    for (size_t i = 1; fields[i]; i++) {
        const char *f = fields[i];
        const char *eq = strchr(f, '=');
        bool ok;

        if (!eq) {
            st_error_set(errp, ST_E_USAGE, "diskspec '%s': '%s' is not KEY=VALUE", arg, f);
            st_error_hint(errp, "a comma inside a value is written twice: file=a,,b.qcow2");
            goto error;
        }
        if (strncmp(f, "snapshot=", 9) == 0) {
            ok = set_once(&spec->snapshot, "snapshot", eq + 1, arg, errp);
            if (ok && strcmp(spec->snapshot, "no") != 0 &&
                strcmp(spec->snapshot, "external") != 0) {
                st_error_set(errp, ST_E_USAGE,
                             "diskspec '%s': snapshot='%s' is not supported", arg,
                             spec->snapshot);
                st_error_hint(errp, "strata makes external snapshots: use snapshot=external or snapshot=no");
                ok = false;
            }
        } else if (strncmp(f, "driver=", 7) == 0) {
            ok = set_once(&spec->driver, "driver", eq + 1, arg, errp);
            if (ok && strcmp(spec->driver, "qcow2") != 0) {
                st_error_set(errp, ST_E_USAGE,
                             "diskspec '%s': driver='%s' is not supported for an overlay", arg,
                             spec->driver);
                st_error_hint(errp, "overlays are qcow2 (only qcow2 can name a backing file)");
                ok = false;
            }
        } else if (strncmp(f, "file=", 5) == 0) {
            ok = set_once(&spec->file, "file", eq + 1, arg, errp);
        } else {
            st_error_set(errp, ST_E_USAGE, "diskspec '%s': unknown key '%.*s'", arg,
                         (int) (eq - f), f);
            ok = false;
        }
        if (!ok)
            goto error;
    }
    return true;

 error:
    st_diskspec_clear(spec);
    return false;
}

void
st_diskspec_clear(struct st_diskspec *spec)
{
    if (!spec)
        return;
    free(spec->dev);
    free(spec->snapshot);
    free(spec->driver);
    free(spec->file);
    memset(spec, 0, sizeof *spec);
}

char *
st_diskspec_xml(const char *name, const char *desc, const struct st_diskspec *specs, size_t n)
{
    struct st_xmlbuf buf = { 0 };

    st_xmlbuf_start(&buf, "domainsnapshot");
    st_xmlbuf_end_open(&buf);
    st_xmlbuf_element(&buf, "name", name);
    st_xmlbuf_element(&buf, "description", desc);
    if (n) {
        st_xmlbuf_start(&buf, "disks");
        st_xmlbuf_end_open(&buf);
        for (size_t i = 0; i < n; i++) {
            const struct st_diskspec *ds = &specs[i];

            st_xmlbuf_start(&buf, "disk");
            st_xmlbuf_attr(&buf, "name", ds->dev);
            st_xmlbuf_attr(&buf, "snapshot", ds->snapshot);
            if (ds->driver || ds->file) {
                st_xmlbuf_end_open(&buf);
                if (ds->driver) {
                    st_xmlbuf_start(&buf, "driver");
                    st_xmlbuf_attr(&buf, "type", ds->driver);
                    st_xmlbuf_end_empty(&buf);
                }
                if (ds->file) {
                    st_xmlbuf_start(&buf, "source");
                    st_xmlbuf_attr(&buf, "file", ds->file);
                    st_xmlbuf_end_empty(&buf);
                }
                st_xmlbuf_close(&buf, "disk");
            } else {
                st_xmlbuf_end_empty(&buf);
            }
        }
        st_xmlbuf_close(&buf, "disks");
    }
    st_xmlbuf_close(&buf, "domainsnapshot");
    return st_xmlbuf_steal(&buf);
}
