# strata.pyi: type hints of the `strata` extension module (python/*.c).
# tests/python/test_module.py checks that every public name of the
# module is here and every name here is in the module.
import os
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

__version__: str

def version() -> str: ...
def set_log_callback(fn: Optional[Callable[[str, str, str], object]] = None, *,
                     debug: bool = False) -> None: ...

_Path = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]
_Progress = Optional[Callable[[int, int], object]]
_SnapshotRef = Union[str, "Snapshot", None]
_DiskSpec = Union[Mapping[str, _Path], Iterable[Union[Tuple[str, _Path], Tuple[str, _Path, Optional[str]], "Disk", Mapping[str, object]]]]
_SnapshotDisks = Union[Mapping[str, Optional[_Path]], Iterable[Union[str, Tuple[str], Tuple[str, Optional[_Path]], Tuple[str, Optional[_Path], bool], Mapping[str, object]]]]

# ---- errors ------------------------------------------------------------------

class Error(Exception):
    code: int
    code_name: str
    message: str
    hint: Optional[str]
    path: Optional[str]
    errno: int

class InternalError(Error): ...
class UsageError(Error): ...
class IoError(Error): ...
class InvalidNameError(Error): ...
class XmlError(Error): ...
class Qcow2Error(Error): ...
class ChainError(Error): ...
class QmpError(Error): ...
class JobError(Error): ...
class NbdError(Error): ...
class BusyError(Error): ...
class NotFoundError(Error): ...
class ConflictError(Error): ...
class DeadlineError(Error): ...
class InvalidArgError(Error, TypeError, ValueError): ...

ERROR_CLASSES: dict[int, type[Error]]
ERR_INTERNAL: int
ERR_USAGE: int
ERR_IO: int
ERR_NAME: int
ERR_XML: int
ERR_QCOW2: int
ERR_CHAIN: int
ERR_QMP: int
ERR_JOB: int
ERR_NBD: int
ERR_BUSY: int
ERR_NOT_FOUND: int
ERR_CONFLICT: int
ERR_TIMEOUT: int
ERR_INVALID_ARG: int

# ---- records -----------------------------------------------------------------

class Disk(NamedTuple):
    dev: str
    path: str
    format: Optional[str]

class Fault(NamedTuple):
    code: str
    message: str
    hint: Optional[str]

class Layer(NamedTuple):
    path: str
    abs_path: str
    format: Optional[str]
    exists: bool
    file_size: int
    has_header: bool
    virtual_size: int
    cluster_size: int
    has_alloc: bool
    allocated_bytes: int
    zero_bytes: int
    compressed_bytes: int
    qcow2_version: int
    backing: Optional[str]
    backing_format: Optional[str]
    backing_resolved: Optional[str]
    faults: Tuple[Fault, ...]

class PlanStep(NamedTuple):
    kind: str               # "commit" or "stream"
    disk: str
    top: str
    base: str
    new_backing: Optional[str]
    active: bool
    bytes: int

class Plan(NamedTuple):
    steps: Tuple[PlanStep, ...]
    bytes: int
    deleted: Tuple[str, ...]

class Export(NamedTuple):
    name: str
    disk: str
    snapshot: Optional[str]
    uri: str
    writable: bool

class Extent(NamedTuple):
    offset: int
    length: int

class SnapshotInfo(NamedTuple):
    name: str
    domain: str
    parent: Optional[str]
    description: Optional[str]
    state: str              # "disk-snapshot", "shutoff", "running", ..., "nostate"
    creation_time: Optional[int]
    current: bool
    external: bool
    children: int
    descendants: int

class Orphan(NamedTuple):
    path: str
    operation: Optional[str]
    snapshot: Optional[str]
    backed_by: Optional[str]
    removed: bool

class Job(NamedTuple):
    id: str
    type: str
    status: str
    done: int
    total: int

# ---- objects -----------------------------------------------------------------

class Connection:
    def __init__(self, state_dir: Optional[_Path] = None, run_dir: Optional[_Path] = None) -> None: ...
    def __enter__(self) -> "Connection": ...
    def __exit__(self, *exc: object) -> bool: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def state_dir(self) -> str: ...
    @property
    def run_dir(self) -> str: ...
    def lookup_domain(self, name: str) -> "Domain": ...
    def list_domains(self) -> list[str]: ...
    def domains(self) -> Iterator["Domain"]: ...
    def define_xml(self, xml: str, *, no_wait: bool = False) -> "Domain": ...
    def define_as(self, name: str, disks: _DiskSpec, *, no_wait: bool = False) -> "Domain": ...
    def import_libvirt(self, name: str, config_dir: Optional[_Path] = None,
                       snapshot_dir: Optional[_Path] = None, *, no_wait: bool = False) -> "Domain": ...

class Domain:
    @property
    def name(self) -> str: ...
    @property
    def connection(self) -> Connection: ...
    def get_xml(self) -> str: ...
    def get_disks(self) -> list[Disk]: ...
    def undefine(self, *, snapshots_metadata: bool = False, no_wait: bool = False) -> None: ...
    def recover(self, *, no_wait: bool = False) -> None: ...
    def export_libvirt(self, dir: _Path) -> None: ...
    def snapshot_create_xml(self, xml: Optional[str] = None, *, redefine: bool = False,
                            current: bool = False, no_metadata: bool = False,
                            reuse_external: bool = False, disk_only: bool = False,
                            atomic: bool = False, no_wait: bool = False) -> "Snapshot": ...
    def snapshot_create_as(self, name: Optional[str] = None, description: Optional[str] = None,
                           disks: Optional[_SnapshotDisks] = None, *, no_metadata: bool = False,
                           reuse_external: bool = False, disk_only: bool = False,
                           atomic: bool = False, no_wait: bool = False) -> "Snapshot": ...
    def snapshot_lookup(self, name: str) -> "Snapshot": ...
    def snapshot_current(self) -> "Snapshot": ...
    def snapshot_num(self, *, roots: bool = False, leaves: bool = False, no_leaves: bool = False,
                     metadata: bool = False, no_metadata: bool = False, external: bool = False,
                     internal: bool = False, disk_only: bool = False, inactive: bool = False,
                     active: bool = False) -> int: ...
    def snapshot_list_names(self, *, roots: bool = False, leaves: bool = False,
                            no_leaves: bool = False, metadata: bool = False,
                            no_metadata: bool = False, external: bool = False,
                            internal: bool = False, disk_only: bool = False,
                            inactive: bool = False, active: bool = False) -> list[str]: ...
    def snapshots(self, *, roots: bool = False, leaves: bool = False, no_leaves: bool = False,
                  metadata: bool = False, no_metadata: bool = False, external: bool = False,
                  internal: bool = False, disk_only: bool = False, inactive: bool = False,
                  active: bool = False) -> Iterator["Snapshot"]: ...
    def chain_open_disk(self, dev: Optional[str] = None, *, no_allocation: bool = False) -> "Chain": ...
    def block_commit(self, dev: str, base: Optional[_Path] = None, top: Optional[_Path] = None, *,
                     active: bool = False, speed: int = 0, timeout: int = 0,
                     progress: _Progress = None, no_wait: bool = False) -> int: ...
    def block_pull(self, dev: str, base: Optional[_Path] = None, *, speed: int = 0,
                   timeout: int = 0, progress: _Progress = None, no_wait: bool = False) -> int: ...
    def list_orphans(self, *, remove: bool = False, no_wait: bool = False) -> list[Orphan]: ...
    def start(self, nbd: Optional[str] = None, *, no_wait: bool = False) -> None: ...
    def stop(self, *, no_wait: bool = False) -> None: ...
    def is_active(self) -> bool: ...
    def export(self, snapshot: _SnapshotRef = None, dev: Optional[str] = None,
               nbd: Optional[str] = None, *, no_wait: bool = False) -> list[Export]: ...
    def list_exports(self) -> list[Export]: ...
    def list_jobs(self) -> list[Job]: ...
    def export_stop(self, snapshot: _SnapshotRef = None, dev: Optional[str] = None, *,
                    no_wait: bool = False) -> int: ...
    def digest(self, snapshot: _SnapshotRef = None, dev: Optional[str] = None, *,
               sha256: bool = False, connections: int = 0, progress: _Progress = None) -> str: ...
    def diff(self, since: _SnapshotRef, to: _SnapshotRef = None, dev: Optional[str] = None, *,
             connections: int = 0, progress: _Progress = None) -> list[Extent]: ...

class Snapshot:
    @property
    def name(self) -> str: ...
    @property
    def domain(self) -> Domain: ...
    @property
    def parent(self) -> Optional["Snapshot"]: ...
    def get_xml(self) -> str: ...
    def get_info(self) -> SnapshotInfo: ...
    def get_parent(self) -> "Snapshot": ...
    def set_current(self, *, no_wait: bool = False) -> None: ...
    def list_children_names(self, *, descendants: bool = False, roots: bool = False,
                            leaves: bool = False, no_leaves: bool = False,
                            metadata: bool = False, no_metadata: bool = False,
                            external: bool = False, internal: bool = False,
                            disk_only: bool = False, inactive: bool = False,
                            active: bool = False) -> list[str]: ...
    def children(self, *, descendants: bool = False, roots: bool = False, leaves: bool = False,
                 no_leaves: bool = False, metadata: bool = False, no_metadata: bool = False,
                 external: bool = False, internal: bool = False, disk_only: bool = False,
                 inactive: bool = False, active: bool = False) -> Iterator["Snapshot"]: ...
    def revert(self, *, force: bool = False, no_wait: bool = False, check_current: bool = False,
               discard_current: bool = False, keep_current: bool = False) -> None: ...
    def edit(self, xml: str, *, rename: bool = False, clone: bool = False,
             no_wait: bool = False) -> "Snapshot": ...
    def delete(self, *, children: bool = False, children_only: bool = False,
               metadata_only: bool = False, no_stream: bool = False, verify: bool = False,
               no_wait: bool = False, speed: int = 0, timeout: int = 0,
               progress: _Progress = None) -> None: ...
    def delete_plan(self, *, children: bool = False, children_only: bool = False,
                    metadata_only: bool = False, no_stream: bool = False,
                    verify: bool = False) -> Plan: ...

class Chain(Sequence[Layer]):
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Layer: ...  # type: ignore[override]
    def num_layers(self) -> int: ...
    def get_layer(self, i: int) -> Layer: ...
    def num_faults(self) -> int: ...
    def get_fault(self, i: int, j: int) -> Fault: ...

def chain_open_file(path: _Path, format: Optional[str] = None, backing_format: Optional[str] = None,
                    *, no_allocation: bool = False) -> Chain: ...
