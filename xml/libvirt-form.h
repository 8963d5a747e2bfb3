/* xml/libvirt-form.h: the files libvirt keeps for itself, its
 * "internal form": /etc/libvirt/qemu/DOMAIN.xml and
 * /var/lib/libvirt/qemu/snapshot/DOMAIN/NAME.xml.  Each starts with
 * libvirt's "auto-generated" warning comment (src/util/virxml.c,
 * virXMLSaveFile()), and a snapshot file ends with <active>1</active>
 * on the current snapshot and <active>0</active> on the others, after
 * the embedded <domain> and <cookie> (src/conf/snapshot_conf.c,
 * VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL). */
#ifndef ST_XML_LIBVIRT_FORM_H
#define ST_XML_LIBVIRT_FORM_H

#include <stddef.h>

#include "common/error.h"
#include "xml/domain.h"
#include "xml/snapshot.h"

/**
 * st_libvirt_snapshot_parse:
 * @text, @len: a snapshot file of libvirt's
 * @what: its file name, for messages
 * @active: out: 1 or 0 as its <active> says, -1 when it has none
 *
 * Takes the comments and the <active> element out of the document, then
 * parses what is left as virsh's snapshot-create --redefine would
 * (ST_SNAPSHOT_PARSE_REDEFINE: unknown elements kept).  A second
 * <active>, or one that is neither 0 nor 1, is ST_E_XML.
 */
struct st_snapshot *st_libvirt_snapshot_parse(const char *text, size_t len, const char *what,
                                              int *active, struct st_error **errp);

/* NAME.xml as libvirt 9.0 writes it: the warning comment naming
 * 'virsh snapshot-edit', then the snapshot with <active> from
 * snap->current.  Owned. */
char *st_libvirt_snapshot_format(const struct st_snapshot *snap);

/* DOMAIN.xml as libvirt writes it: the warning comment naming
 * 'virsh edit DOMAIN', then the domain.  Owned. */
char *st_libvirt_domain_format(const struct st_domain *dom);

#endif
