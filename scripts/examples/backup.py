#!/usr/bin/python3
"""backup.py: back up one disk of a strata domain at a snapshot into a raw
file, over NBD, the way a backup pipeline would.

  backup.py [--state-dir DIR] [--run-dir DIR] [--dev DEV]
            [--since OLDER] DOMAIN SNAPSHOT OUTPUT

Exports DEV at SNAPSHOT read-only over NBD (Domain.export), reads it with
libnbd's Python module, and writes OUTPUT, a raw image of the disk at that
point.  With --since OLDER, OUTPUT must already hold the backup of OLDER:
only the extents strata's diff reports between OLDER and SNAPSHOT are read
and written, so an incremental backup copies what changed and nothing
else.  Without it, every allocated extent is copied (holes stay holes).

Uses Debian's /usr/bin/python3 with python3-libnbd; the strata module comes
from `ninja install` (or PYTHONPATH and LD_LIBRARY_PATH into a build
directory).  Exits 0 on success, 1 with a message on stderr otherwise.
"""
import argparse
import os
import sys

import nbd
import strata

CHUNK = 4 * 1024 * 1024     # bytes per NBD read: qemu's default max request is 32 MiB


def copy(handle, out, offset, length):
    """Copy [offset, offset + length) from the export into out."""
    end = offset + length
    while offset < end:
        n = min(CHUNK, end - offset)
        os.pwrite(out, handle.pread(n, offset), offset)
        offset += n


def allocated(handle, size):
    """The extents of the export that hold data (base:allocation), so that
    a full backup leaves the holes of a sparse disk as holes."""
    extents = []
    offset = 0
    while offset < size:
        found = []

        def collect(metacontext, off, entries, err):
            if metacontext != nbd.CONTEXT_BASE_ALLOCATION:
                return 0
            pos = off
            for i in range(0, len(entries), 2):
                if not entries[i + 1] & nbd.STATE_HOLE:
                    found.append((pos, entries[i]))
                pos += entries[i]
            found.append((pos, 0))  # the end of what this reply covered
            return 0

        handle.block_status(min(size - offset, 1 << 30), offset, collect)
        end = found[-1][0] if found else offset
        extents.extend((o, n) for o, n in found if n)
        if end <= offset:
            # No progress: treat the rest as data rather than loop.
            extents.append((offset, size - offset))
            break
        offset = end
    return extents


def main(argv):
    parser = argparse.ArgumentParser(
        prog="backup.py",
        description="Back up one disk of a strata domain at SNAPSHOT into the raw file "
                    "OUTPUT over NBD; with --since, copy only what changed since an older "
                    "snapshot into OUTPUT holding that snapshot's backup.")
    parser.add_argument("domain", metavar="DOMAIN")
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="the point in time to back up")
    parser.add_argument("output", metavar="OUTPUT", help="the raw file to write")
    parser.add_argument("--since", metavar="OLDER",
                        help="OUTPUT holds the backup of OLDER, an ancestor of SNAPSHOT: "
                             "copy only the extents that differ")
    parser.add_argument("--dev", metavar="DEV", help="the disk (default: the only one)")
    parser.add_argument("--state-dir", metavar="DIR", help="as strata --state-dir")
    parser.add_argument("--run-dir", metavar="DIR", help="as strata --run-dir")
    args = parser.parse_args(argv)

    if args.since and not os.path.isfile(args.output):
        print("backup.py: '%s' does not exist: --since needs the backup of '%s' there"
              % (args.output, args.since), file=sys.stderr)
        return 1
    try:
        with strata.Connection(args.state_dir, args.run_dir) as conn:
            dom = conn.lookup_domain(args.domain)
            if args.since:
                todo = [(e.offset, e.length) for e in dom.diff(args.since, args.snapshot, args.dev)]
            exports = dom.export(args.snapshot, args.dev)
            try:
                if len(exports) != 1:
                    print("backup.py: domain '%s' has %d disks: say which with --dev"
                          % (args.domain, len(exports)), file=sys.stderr)
                    return 1
                handle = nbd.NBD()
                handle.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
                handle.connect_uri(exports[0].uri)
                size = handle.get_size()
                if not args.since:
                    todo = allocated(handle, size)
                flags = os.O_WRONLY | (0 if args.since else os.O_CREAT | os.O_TRUNC)
                out = os.open(args.output, flags, 0o600)
                try:
                    os.ftruncate(out, size)
                    for offset, length in todo:
                        copy(handle, out, offset, length)
                    os.fsync(out)
                finally:
                    os.close(out)
                handle.shutdown()
            finally:
                dom.export_stop(args.snapshot, args.dev)
    except strata.Error as e:
        print("backup.py: %s" % e.message, file=sys.stderr)
        if e.hint:
            print("backup.py: hint: %s" % e.hint, file=sys.stderr)
        return 1
    except (nbd.Error, OSError) as e:
        print("backup.py: %s" % e, file=sys.stderr)
        return 1
    copied = sum(n for _, n in todo)
    print("%s: %d bytes in %d extents of %d (%s)"
          % (args.output, copied, len(todo), size, "since " + args.since if args.since else "full"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
