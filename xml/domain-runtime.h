/* xml/domain-runtime.h: the parts of a running domain's XML that
 * libvirt writes only while it runs (virsh dumpxml of an active domain,
 * a snapshot's embedded <domain>) and never into the domain's
 * definition: what a revert must not copy into the definition. */
#ifndef ST_XML_DOMAIN_RUNTIME_H
#define ST_XML_DOMAIN_RUNTIME_H

#include <stddef.h>

#include "xml/domain.h"

/**
 * st_domain_drop_runtime:
 *
 * Remove from @dom's document: the <domain id='N'> attribute; every
 * <alias>; each disk's <backingStore> (libvirt's view of the chain,
 * which strata's files may no longer match) and its source's index=;
 * the tty= and <source path='/dev/pts/N'/> of pty character devices;
 * the <label> and <imagelabel> of dynamic seclabels (libvirt picks
 * them again at start); interface <target dev> names
 * libvirt generated (vnetN, macvtapN).  Returns how many were removed.
 */
size_t st_domain_drop_runtime(struct st_domain *dom);

#endif
