"""Read files written by ``torch.save`` without torch and without executing anything from the file.

A ``torch.save`` file (PyTorch >= 1.6) is a zip archive: ``<name>/data.pkl`` is a pickle of the saved object in
which every tensor is a call ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` and every storage
a *persistent id* ``('storage', torch.FloatStorage, key, location, numel)`` whose bytes are the archive entry
``<name>/data/<key>``; ``<name>/byteorder`` says ``little`` or ``big``.

Python's ``pickle`` would import and call whatever the stream names. This module interprets the opcodes itself
(those ``torch.save`` emits, protocol 2, and the plain-data ones of protocols 3-4), and a ``GLOBAL`` is only a name:
it must be one of :data:`ALLOWED_GLOBALS` (``collections.OrderedDict``, the two tensor-rebuild functions, the storage
types), and ``REDUCE`` may only call those. Every other global, opcode, persistent id or malformed entry raises a
:class:`~numnet.errors.FileFormatError` naming it; nothing from the file is ever imported or run.

Bounds (a file is data from anywhere): ``data.pkl`` at most :data:`MAX_PICKLE_BYTES`, at most
:data:`~numnet.io.limits.MAX_TENSORS` storages, :data:`MAX_MEMO` memo entries, nesting at most
:data:`~numnet.io.limits.MAX_JSON_DEPTH` deep; archive entries must be stored uncompressed (``torch.save`` never
compresses; a compressed entry could be a zip bomb) and stay inside the archive's folder; each storage's size must
be its element count times the item size, and each tensor's size, strides and offset must lie inside its storage.
"""

from __future__ import annotations

import collections
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from numnet.errors import FileFormatError
from numnet.io.limits import MAX_JSON_DEPTH, MAX_TENSOR_DIMS, MAX_TENSORS

__all__ = ["ALLOWED_GLOBALS", "MAX_MEMO", "MAX_PICKLE_BYTES", "is_torch_zip", "load_torch", "read_if_torch"]

MAX_PICKLE_BYTES = 64 * 2**20
MAX_MEMO = 1_000_000
ZIP_MAGIC = b"PK\x03\x04"

# storage type name -> NumPy dtype (bfloat16 has none: read as uint16, widened to float32)
_STORAGES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
             "BFloat16Storage": "bfloat16", "LongStorage": np.int64, "IntStorage": np.int32,
             "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}
_REBUILD_TENSOR = ("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = ("torch._utils", "_rebuild_parameter")
_ORDERED_DICT = ("collections", "OrderedDict")
ALLOWED_GLOBALS = frozenset({_REBUILD_TENSOR, _REBUILD_PARAMETER, _ORDERED_DICT,
                             *(("torch", name) for name in _STORAGES)})


class _Global:
    """A global the stream names: only its (module, name), never the object itself."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    @property
    def key(self) -> tuple[str, str]:
        return self.module, self.name


def _output_limit(file_bytes: int) -> int:
    """The most bytes the tensors of one file may take: 4 times the file plus 64 MiB (views of one storage are
    copied, so a small file could otherwise ask for any amount of memory)."""
    return 4 * file_bytes + 2**26


def is_torch_zip(head: bytes) -> bool:
    """Whether the first bytes of a file are a zip archive's (the format of ``torch.save`` since PyTorch 1.6)."""
    return head[:4] == ZIP_MAGIC


def _storage_array(raw: bytes, type_name: str, numel: int, byteorder: str, where: str) -> np.ndarray:
    dt = _STORAGES[type_name]
    if len(raw) != numel * _itemsize(type_name):
        raise FileFormatError(f"{where}: {len(raw)} bytes for {numel} elements of {type_name}")
    order = "<" if byteorder == "little" else ">"
    if dt == "bfloat16":  # the upper half of a float32: widen exactly
        bits = np.frombuffer(raw, dtype=f"{order}u2").astype(np.uint32) << 16
        return bits.view(np.float32)
    return np.frombuffer(raw, dtype=np.dtype(dt).newbyteorder(order)).astype(dt, copy=False)


def _rebuild_tensor(args: tuple, where: str, dry: bool = False, max_bytes: int | None = None) -> np.ndarray:
    """``_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`` as a new array,
    after checking that every element it reads lies inside the storage."""
    if not isinstance(args, tuple) or len(args) not in (6, 7):
        raise FileFormatError(f"{where}: _rebuild_tensor_v2 called with {len(args) if isinstance(args, tuple) else '?'}"
                              " arguments, expected 6 or 7")
    storage, offset, size, stride = args[:4]
    if not isinstance(storage, np.ndarray):
        raise FileFormatError(f"{where}: _rebuild_tensor_v2 needs a storage (a persistent id), got "
                              f"{type(storage).__name__}")
    ints = (offset, *size, *stride) if isinstance(size, tuple) and isinstance(stride, tuple) else None
    if ints is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
        raise FileFormatError(f"{where}: a tensor's offset, size and stride must be ints, got {offset!r}, {size!r}, "
                              f"{stride!r}"[:300])
    if len(size) != len(stride) or len(size) > MAX_TENSOR_DIMS or min(ints) < 0:
        raise FileFormatError(f"{where}: a tensor with size {size} and stride {stride} (offset {offset}) is not "
                              "valid"[:300])
    if all(n > 0 for n in size):
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.size:
            raise FileFormatError(f"{where}: a tensor of size {size}, stride {stride}, offset {offset} reads element "
                                  f"{last} of a storage of {storage.size}"[:300])
    elif offset > storage.size:
        raise FileFormatError(f"{where}: an empty tensor's offset {offset} is beyond its storage of {storage.size}")
    if dry:
        return storage[:0]
    if max_bytes is not None and int(np.prod(size, dtype=np.float64)) * storage.itemsize > max_bytes:
        raise FileFormatError(f"{where}: a tensor of size {size} is larger than the bytes left for this file (its "
                              "tensors may take at most 4 times the file: views of one storage are copied)")
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(storage[offset:] if storage.size else storage, shape=size,
                                           strides=tuple(s * item for s in stride), writeable=False)
    return np.array(view, copy=True)


class _Reader:
    """The symbolic unpickler: a stack machine over the opcodes below, building only plain data and arrays."""

    def __init__(self, data: bytes, storage: Any, where: str, wrap: Any, dry: bool = False,
                 max_out: int | None = None) -> None:
        self.data, self.pos, self.where, self.wrap, self.dry = data, 0, where, wrap or (lambda a: a), dry
        # many views of one big storage would each be copied: the tensors built may total at most max_out bytes
        self.max_out = max_out if max_out is not None else _output_limit(len(data))
        self.storage = storage  # persistent id -> array
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.tensors: set[int] = set()  # ids of the tensors built here (a parameter must wrap one of them)
        self.keep: list[Any] = []
        self.out_bytes = 0

    # ---- reading the stream
    def _take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise FileFormatError(f"{self.where}: the pickle ends in the middle of an opcode (at byte {self.pos})")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _u(self, fmt: str) -> Any:
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _pop(self) -> Any:
        if not self.stack or (self.marks and len(self.stack) <= self.marks[-1]):
            raise FileFormatError(f"{self.where}: the pickle pops an empty stack (at byte {self.pos})")
        return self.stack.pop()

    def _pop_mark(self) -> list:
        if not self.marks:
            raise FileFormatError(f"{self.where}: the pickle has no MARK to close (at byte {self.pos})")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def _top(self, kinds: tuple, what: str) -> Any:
        if not self.stack or not isinstance(self.stack[-1], kinds):
            raise FileFormatError(f"{self.where}: {what} on a {type(self.stack[-1]).__name__ if self.stack else 'empty stack'}"
                                  f" (at byte {self.pos})")
        return self.stack[-1]

    def _put(self, idx: int) -> None:
        if len(self.memo) >= MAX_MEMO:
            raise FileFormatError(f"{self.where}: more than {MAX_MEMO} memo entries")
        self.memo[idx] = self.stack[-1] if self.stack else None

    def _get(self, idx: int) -> None:
        if idx not in self.memo:
            raise FileFormatError(f"{self.where}: the pickle reads memo entry {idx}, which was never stored")
        self.stack.append(self.memo[idx])

    def _global(self, module: str, name: str) -> None:
        if (module, name) not in ALLOWED_GLOBALS:
            raise FileFormatError(f"{self.where}: the pickle names the global {module}.{name}, which numnet does not "
                                  "allow (a torch.save file of tensors, state_dicts and plain data needs only "
                                  "OrderedDict, the tensor-rebuild functions and the storage types); nothing was run")
        self.stack.append(_Global(module, name))

    def _reduce(self) -> None:
        args, fn = self._pop(), self._pop()
        if not isinstance(fn, _Global) or not isinstance(args, tuple):
            raise FileFormatError(f"{self.where}: REDUCE on {type(fn).__name__}, not an allowed global")
        if fn.key == _ORDERED_DICT:
            if args not in ((), ([],)):
                raise FileFormatError(f"{self.where}: OrderedDict called with arguments {args!r}"[:200])
            self.stack.append(collections.OrderedDict())
        elif fn.key == _REBUILD_TENSOR:
            arr = _rebuild_tensor(args, self.where, self.dry, self.max_out - self.out_bytes)  # refuses beyond it
            self.out_bytes += arr.nbytes
            t = self.wrap(arr)
            self.tensors.add(id(t))
            self.keep.append(t)  # ids stay unique while the reader lives
            self.stack.append(t)
        elif fn.key == _REBUILD_PARAMETER:
            if len(args) not in (3, 4) or id(args[0]) not in self.tensors:
                raise FileFormatError(f"{self.where}: _rebuild_parameter needs a tensor and 2 or 3 more arguments")
            self.stack.append(args[0])
        else:
            raise FileFormatError(f"{self.where}: the pickle calls {fn.module}.{fn.name}, which is not a function")

    def _setitems(self, d: Any, items: list) -> None:
        if not isinstance(d, dict) or len(items) % 2:
            raise FileFormatError(f"{self.where}: SETITEMS on a {type(d).__name__} with {len(items)} items")
        for k, v in zip(items[::2], items[1::2]):
            if not isinstance(k, (str, int, float, bool, tuple, type(None))):
                raise FileFormatError(f"{self.where}: a dict key of type {type(k).__name__}")
            d[k] = v

    def _check_depth(self) -> None:
        if len(self.marks) > MAX_JSON_DEPTH:
            raise FileFormatError(f"{self.where}: the pickle nests deeper than {MAX_JSON_DEPTH}")

    # ---- the machine
    def run(self) -> Any:  # noqa: C901 — one branch per opcode is the clearest form
        while True:
            op = self._take(1)
            if op == b"\x80":  # PROTO
                proto = self._u("<B")
                if proto > 4:
                    raise FileFormatError(f"{self.where}: pickle protocol {proto}; torch.save writes 2")
            elif op == b"\x95":  # FRAME (protocol 4): only a length
                self._take(8)
            elif op == b".":  # STOP
                if len(self.stack) != 1 or self.marks:
                    raise FileFormatError(f"{self.where}: the pickle stops with {len(self.stack)} objects on the stack")
                return self.stack[0]
            elif op == b"(":
                self.marks.append(len(self.stack))
                self._check_depth()
            elif op == b"0":
                self._pop()
            elif op == b"1":
                self._pop_mark()
            elif op == b"2":
                self.stack.append(self._top((object,), "DUP"))
            elif op == b"N":
                self.stack.append(None)
            elif op == b"\x88":
                self.stack.append(True)
            elif op == b"\x89":
                self.stack.append(False)
            elif op == b"J":
                self.stack.append(self._u("<i"))
            elif op == b"K":
                self.stack.append(self._u("<B"))
            elif op == b"M":
                self.stack.append(self._u("<H"))
            elif op in (b"\x8a", b"\x8b"):  # LONG1, LONG4
                n = self._u("<B") if op == b"\x8a" else self._u("<i")
                if not 0 <= n <= 64:
                    raise FileFormatError(f"{self.where}: an integer of {n} bytes (at most 64 are read)")
                self.stack.append(int.from_bytes(self._take(n), "little", signed=True))
            elif op == b"G":
                self.stack.append(self._u(">d"))
            elif op in (b"X", b"\x8c", b"\x8d"):  # BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                n = self._u("<I") if op == b"X" else self._u("<B") if op == b"\x8c" else self._u("<Q")
                try:
                    self.stack.append(self._take(n).decode("utf-8"))
                except UnicodeDecodeError:
                    raise FileFormatError(f"{self.where}: a string that is not UTF-8 (at byte {self.pos})") from None
            elif op in (b"T", b"U"):  # BINSTRING, SHORT_BINSTRING (Python 2 str)
                n = self._u("<i") if op == b"T" else self._u("<B")
                self.stack.append(self._take(n).decode("latin-1"))
            elif op in (b"B", b"C"):  # BINBYTES, SHORT_BINBYTES
                n = self._u("<I") if op == b"B" else self._u("<B")
                self.stack.append(self._take(n))
            elif op == b"}":
                self.stack.append({})
            elif op == b"]":
                self.stack.append([])
            elif op == b")":
                self.stack.append(())
            elif op == b"t":
                self.stack.append(tuple(self._pop_mark()))
            elif op in (b"\x85", b"\x86", b"\x87"):
                n = {b"\x85": 1, b"\x86": 2, b"\x87": 3}[op]
                items = [self._pop() for _ in range(n)][::-1]
                self.stack.append(tuple(items))
            elif op == b"l":
                self.stack.append(self._pop_mark())
            elif op == b"d":
                items = self._pop_mark()
                d: dict = {}
                self._setitems(d, items)
                self.stack.append(d)
            elif op == b"a":
                v = self._pop()
                self._top((list,), "APPEND").append(v)
            elif op == b"e":
                items = self._pop_mark()
                self._top((list,), "APPENDS").extend(items)
            elif op == b"s":
                v, k = self._pop(), self._pop()
                self._setitems(self._top((dict,), "SETITEM"), [k, v])
            elif op == b"u":
                items = self._pop_mark()
                self._setitems(self._top((dict,), "SETITEMS"), items)
            elif op == b"q":
                self._put(self._u("<B"))
            elif op == b"r":
                self._put(self._u("<I"))
            elif op == b"\x94":  # MEMOIZE
                self._put(len(self.memo))
            elif op == b"h":
                self._get(self._u("<B"))
            elif op == b"j":
                self._get(self._u("<I"))
            elif op == b"c":  # GLOBAL "module\nname\n"
                end1 = self.data.find(b"\n", self.pos, self.pos + 256)
                end2 = self.data.find(b"\n", end1 + 1, end1 + 257) if end1 >= 0 else -1
                if end1 < 0 or end2 < 0:
                    raise FileFormatError(f"{self.where}: a GLOBAL opcode without its names (at byte {self.pos})")
                module = self.data[self.pos:end1].decode("latin-1")
                name = self.data[end1 + 1:end2].decode("latin-1")
                self.pos = end2 + 1
                self._global(module, name)
            elif op == b"\x93":  # STACK_GLOBAL
                name, module = self._pop(), self._pop()
                if not isinstance(module, str) or not isinstance(name, str):
                    raise FileFormatError(f"{self.where}: STACK_GLOBAL with non-string names")
                self._global(module, name)
            elif op == b"Q":  # BINPERSID
                self.stack.append(self.storage(self._pop()))
            elif op == b"R":
                self._reduce()
            elif op == b"b":  # BUILD: OrderedDict's attributes (a state_dict's _metadata); kept out of the result
                state = self._pop()
                self._top((dict,), "BUILD")
                if not isinstance(state, (dict, type(None))):
                    raise FileFormatError(f"{self.where}: BUILD with a {type(state).__name__} state")
            else:
                raise FileFormatError(f"{self.where}: pickle opcode {op!r} (at byte {self.pos - 1}) is not one "
                                      "torch.save writes for tensors and plain data; nothing was run")


def _check_pid(pid: Any, where: str) -> None:
    """A storage's persistent id: ``('storage', torch.<Type>Storage, key, location, numel)`` (the legacy format adds
    a sixth entry, a view's metadata, which must be None)."""
    if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage" and isinstance(pid[1], _Global)
            and pid[1].module == "torch" and pid[1].name in _STORAGES and isinstance(pid[2], str)
            and isinstance(pid[4], int) and not isinstance(pid[4], bool) and pid[4] >= 0
            and (len(pid) == 5 or pid[5] is None)):
        raise FileFormatError(f"{where}: a persistent id {pid!r} that is not a torch storage"[:300])


def _entry(zf: zipfile.ZipFile, name: str, path: Path, limit: int | None = None) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FileFormatError(f"{path}: the archive has no entry {name!r}") from None
    if info.compress_type != zipfile.ZIP_STORED:
        raise FileFormatError(f"{path}: entry {name!r} is compressed; torch.save stores entries uncompressed (a "
                              "compressed entry could expand without bound), so numnet refuses it")
    if limit is not None and info.file_size > limit:
        raise FileFormatError(f"{path}: entry {name!r} is {info.file_size} bytes, more than the {limit} allowed")
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise FileFormatError(f"{path}: cannot read entry {name!r} ({e})") from None


def load_torch(path: str | Path, f: Any, wrap: Any = None) -> Any:
    """The object a ``torch.save`` zip file holds, every tensor as ``wrap(array)`` (the array itself by default),
    built as it is read (so no later walk over a deeply nested result).

    ``f`` is the already-opened regular file (see :func:`numnet.io.safetensors_format._open_regular`).

    Raises:
        FileFormatError: anything this reader does not allow or cannot read — each naming what and where.
    """
    path = Path(path)
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise FileFormatError(f"{path}: a zip archive that cannot be read ({e}); truncated?") from None
    with zf:
        names = zf.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise FileFormatError(f"{path}: a zip archive, but not one torch.save wrote (it needs one "
                                  f"<name>/data.pkl entry, found {len(pickles)})")
        prefix = pickles[0][:-len("data.pkl")]
        if prefix.startswith((".", "/")) or "\\" in prefix or ".." in prefix:
            raise FileFormatError(f"{path}: the archive folder {prefix!r} is not a plain name")
        byteorder = "little"
        if f"{prefix}byteorder" in names:
            byteorder = _entry(zf, f"{prefix}byteorder", path, 16).decode("latin-1").strip()
            if byteorder not in ("little", "big"):
                raise FileFormatError(f"{path}: byteorder {byteorder!r}, expected 'little' or 'big'")
        storages: dict[str, np.ndarray] = {}
        where = f"{path} ({prefix}data.pkl)"

        def storage(pid: Any) -> np.ndarray:
            _check_pid(pid, where)
            key = pid[2]
            if not key.isdigit() and not key.replace("_", "").isalnum():
                raise FileFormatError(f"{where}: storage key {key!r} is not a plain name")
            if key not in storages:
                if len(storages) >= MAX_TENSORS:
                    raise FileFormatError(f"{where}: more than {MAX_TENSORS} storages")
                raw = _entry(zf, f"{prefix}data/{key}", path)
                storages[key] = _storage_array(raw, pid[1].name, pid[4], byteorder, f"{path} ({prefix}data/{key})")
            arr = storages[key]
            if arr.size != pid[4]:
                raise FileFormatError(f"{where}: storage {key} is used with {pid[4]} and {arr.size} elements")
            return arr

        data = _entry(zf, f"{prefix}data.pkl", path, MAX_PICKLE_BYTES)
        size = f.seek(0, 2)
        return _Reader(data, storage, where, wrap, max_out=_output_limit(size)).run()


_NOT_TORCH = object()


# torch.save(..., _use_new_zipfile_serialization=False) starts with a pickle of this magic number (as a LONG1)
LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"
_LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C


def _pickle_end(data: bytes, start: int, where: str) -> int:
    """The position after the STOP of the pickle starting at ``start``, found by parsing (never running) it."""
    import pickletools

    try:
        for op, _arg, pos in pickletools.genops(memoryview(data)[start:].tobytes()):
            if op.name == "STOP":
                return start + pos + 1
    except Exception as e:  # noqa: BLE001 — any malformed stream is a format error
        raise FileFormatError(f"{where}: a malformed pickle at byte {start} ({type(e).__name__}: {e})"[:300]) from None
    raise FileFormatError(f"{where}: a pickle without STOP at byte {start}")


def load_torch_legacy(path: str | Path, f: Any, wrap: Any = None) -> Any:
    """The object of a legacy ``torch.save`` file (``_use_new_zipfile_serialization=False``): five pickles — the
    magic number, the format version (1001), the writer's system info (byte order), the object, the list of storage
    keys — then each storage as its element count (8 bytes) and its bytes. The object pickle is read twice by the
    same symbolic reader: a dry pass learns each storage's type and size (the storages come after it), the second
    builds the tensors."""
    path = Path(path)
    where = f"{path} (legacy torch.save format)"
    data = f.read()
    pos, parts = 0, []
    for _ in range(3):
        end = _pickle_end(data, pos, where)
        parts.append(_Reader(data[pos:end], lambda pid: None, where, None).run())
        pos = end
    magic, version, info = parts
    if magic != _LEGACY_MAGIC_NUMBER or version != 1001 or not isinstance(info, dict):
        raise FileFormatError(f"{where}: not a legacy torch.save file (magic {magic!r}, version {version!r})"[:300])
    byteorder = "little" if info.get("little_endian", True) is True else "big"
    main = data[pos:_pickle_end(data, pos, where)]
    pos += len(main)
    keys_end = _pickle_end(data, pos, where)
    keys = _Reader(data[pos:keys_end], lambda pid: None, where, None).run()
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or len(keys) > MAX_TENSORS:
        raise FileFormatError(f"{where}: the storage key list is not a list of at most {MAX_TENSORS} names")
    pids: dict[str, tuple] = {}

    def record(pid: Any) -> np.ndarray:  # the dry pass: a storage of the right size that allocates nothing
        _check_pid(pid, where)
        first = pids.setdefault(pid[2], pid)
        if first[4] != pid[4] or first[1].name != pid[1].name:
            raise FileFormatError(f"{where}: storage {pid[2]} is named with two types or sizes")
        if pid[4] * _itemsize(pid[1].name) > len(data):
            raise FileFormatError(f"{where}: storage {pid[2]} claims {pid[4]} elements, more than the file holds")
        return np.broadcast_to(np.zeros(1, dtype=np.float32), (pid[4],))

    _Reader(main, record, where, None, dry=True).run()
    offsets: dict[str, int] = {}
    pos = keys_end
    order = "<" if byteorder == "little" else ">"
    for key in keys:
        if key not in pids:
            raise FileFormatError(f"{where}: storage {key} is listed but no tensor uses it")
        if pos + 8 > len(data):
            raise FileFormatError(f"{where}: the file ends before storage {key}")
        numel = struct.unpack(f"{order}q", data[pos:pos + 8])[0]
        pid = pids[key]
        if numel != pid[4]:
            raise FileFormatError(f"{where}: storage {key} has {numel} elements, its tensor says {pid[4]}")
        offsets[key] = pos + 8
        pos += 8 + numel * _itemsize(pid[1].name)
        if pos > len(data):
            raise FileFormatError(f"{where}: the file ends inside storage {key}")
    storages: dict[str, np.ndarray] = {}

    def storage(pid: Any) -> np.ndarray:
        _check_pid(pid, where)
        key = pid[2]
        if key not in offsets:
            raise FileFormatError(f"{where}: storage {key!r} is not in the file")
        if key not in storages:
            start = offsets[key]
            storages[key] = _storage_array(data[start:start + pid[4] * _itemsize(pid[1].name)], pid[1].name,
                                           pid[4], byteorder, f"{where}, storage {key}")
        return storages[key]

    return _Reader(main, storage, where, wrap, max_out=_output_limit(len(data))).run()


def _itemsize(type_name: str) -> int:
    dt = _STORAGES[type_name]
    return 2 if dt == "bfloat16" else np.dtype(dt).itemsize


def read_if_torch(path: str | Path, wrap: Any = None) -> Any:
    """The object of ``path`` if it is a ``torch.save`` zip file (chosen by content, not by name), else a sentinel
    (:data:`_NOT_TORCH`) so the caller reads it as safetensors. Only regular files are opened."""
    from numnet.io.safetensors_format import _open_regular

    f, _size = _open_regular(Path(path))
    with f:
        head = f.read(len(LEGACY_MAGIC))
        f.seek(0)
        if head == LEGACY_MAGIC:
            return load_torch_legacy(path, f, wrap)
        # a safetensors header length never starts with the zip signature and then '{' ... unless it is one
        if not is_torch_zip(head) or head[8:9] == b"{":
            return _NOT_TORCH
        return load_torch(path, f, wrap)
