"""A corpus of broken and hostile files, generated (never committed) into a folder: :func:`generate`.

Each :class:`Case` is one file with a category and the loaders that must refuse it (all of them, unless the file is
well-formed and only wrong for a particular use, such as a checkpoint of another model). ``tests/test_hostile_files.py``
runs every case through every loader and the CLI.

Run it alone to list the corpus: ``python tests/hostile_files.py DIR``.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from numnet.io.limits import MAX_HEADER_BYTES

# the loaders of tests/test_hostile_files.py; a case refused by all of them has refuse=ALL
ALL = frozenset({"load", "load_metadata", "load_state_dict", "load_model", "load_checkpoint", "trainer",
                 "cli_summary", "cli_evaluate", "cli_predict"})
CHECKPOINT_LOADERS = frozenset({"load_checkpoint", "trainer"})
MARKER = "PWNED_BY_HOSTILE_FILE"


class Case(NamedTuple):
    name: str
    path: Path
    category: str
    refuse: frozenset = ALL  # the loaders that must raise a numnet error (the others may load it)
    huge: bool = False  # the file asks for a huge allocation: memory is measured


def reference():
    """The model, optimizer and scheduler the corpus is loaded into (an MLP for 28×28 images, SGD, StepLR)."""
    import numnet

    numnet.manual_seed(0)
    model = numnet.models.get_model("mlp", in_features=784, hidden=[16], num_classes=10)
    opt = numnet.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = numnet.optim.lr_scheduler.StepLR(opt, step_size=1)
    return model, opt, sched


def _card() -> dict[str, str]:
    from numnet.io.model_card import card_metadata

    return card_metadata(input_shape=(1, 28, 28), dataset="mnist5k")


def _frame(header: Any, data: bytes = b"", text: str | bytes | None = None) -> bytes:
    blob = text if text is not None else json.dumps(header)
    blob = blob.encode() if isinstance(blob, str) else blob
    return len(blob).to_bytes(8, "little") + blob + data


def _split(raw: bytes) -> tuple[dict, bytes]:
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n]), raw[8 + n:]


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def generate(folder: str | os.PathLike) -> list[Case]:
    """Write the corpus into ``folder`` (created if needed) and return its cases."""
    import numnet
    from numnet import io

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    marker = str(root / MARKER)

    def add(name: str, data: bytes, category: str, refuse: frozenset = ALL, huge: bool = False) -> None:
        path = root / name
        path.write_bytes(data)
        cases.append(Case(name, path, category, refuse, huge))

    model, opt, sched = reference()
    good_model = root / "_good_model.safetensors"
    io.save_model(model, good_model, metadata=_card())
    model_raw = good_model.read_bytes()
    x = numnet.randn(4, 784)
    opt.zero_grad()
    numnet.nn.functional.cross_entropy(model(x), numnet.tensor([0, 1, 2, 3])).backward()
    opt.step()
    sched.step()
    good_ckpt = root / "_good_ckpt.safetensors"
    io.save_checkpoint(good_ckpt, model, opt, sched, epoch=1, step=1, metadata=_card())
    ckpt_raw = good_ckpt.read_bytes()

    # --- truncations at many offsets, of a model file and of a checkpoint
    for tag, raw in (("model", model_raw), ("ckpt", ckpt_raw)):
        n = int.from_bytes(raw[:8], "little")
        offsets = sorted({0, 1, 4, 7, 8, 9, 12, 8 + n // 3, 8 + n // 2, 8 + n - 1, 8 + n, 8 + n + 1, 8 + n + 7,
                          (len(raw) + 8 + n) // 2, len(raw) - 100, len(raw) - 4, len(raw) - 1,
                          *np.linspace(16, len(raw) - 2, 5).astype(int).tolist()})
        for off in offsets:
            add(f"trunc_{tag}_{off}.safetensors", raw[:off], "truncation")
        add(f"trailing_{tag}.safetensors", raw + b"\0" * 3, "trailing bytes")

    # --- header length field
    body = model_raw[8:]
    for tag, value in (("huge", 2**62), ("max", 2**64 - 1), ("negative_one", (-1) % 2**64),
                       ("negative_big", (-(2**40)) % 2**64), ("zero", 0), ("one_past", len(body) + 1),
                       ("short", 5)):
        add(f"hlen_{tag}.safetensors", value.to_bytes(8, "little") + body, "header length")
    sparse = root / "hlen_over_limit.safetensors"
    with open(sparse, "wb") as f:
        n = MAX_HEADER_BYTES + 1
        f.write(n.to_bytes(8, "little") + b"{")
        f.truncate(8 + n + 64)
    cases.append(Case(sparse.name, sparse, "header length", ALL, True))

    # --- bad JSON
    for tag, text in (("open_brace", "{"), ("array", "[]"), ("null", "null"), ("number", "123"),
                      ("string", '"weights"'), ("bad_utf8", b"{\xff\xfe}"), ("garbage", "{not json}"),
                      ("nan_entry", '{"w": NaN}'), ("extra_data", '{} {}'), ("metadata_list", '{"__metadata__": [1]}'),
                      ("metadata_number_value", '{"__metadata__": {"a": 1}}'),
                      ("entry_list", '{"w": [1, 2]}'), ("entry_missing_keys", '{"w": {"dtype": "F32"}}')):
        add(f"json_{tag}.safetensors", _frame(None, b"", text), "bad JSON")

    # --- deep nesting: header, and metadata values numnet parses
    deep = "[" * 100_000 + "]" * 100_000
    add("deep_header.safetensors", _frame(None, text='{"w": ' + deep + "}"), "deep nesting")
    add("deep_object_header.safetensors", _frame(None, text='{"a":' * 50_000 + "1" + "}" * 50_000),
        "deep nesting")
    header, data = _split(model_raw)
    for key in ("model_config", "input_shape", "numnet.object", "classes"):
        h = json.loads(json.dumps(header))
        h["__metadata__"][key] = deep
        # a model file's tensors stay readable: only what parses the deep entry refuses it
        refuse = (ALL - {"load", "load_metadata", "load_state_dict"} if key != "numnet.object"
                  else CHECKPOINT_LOADERS | {"load", "load_state_dict"})
        if key not in ("model_config", "numnet.object"):  # card entries: load_model does not read the card, the commands do
            refuse = refuse - {"load_model"}
        if key == "classes":  # summary does not read the class names
            refuse = refuse - {"cli_summary"}
        add(f"deep_meta_{key}.safetensors", _frame(h, data), "deep nesting", refuse)
    cheader, cdata = _split(ckpt_raw)
    for key in ("optimizer", "rng", "scheduler", "extra"):
        h = json.loads(json.dumps(cheader))
        h["__metadata__"][key] = deep
        add(f"deep_ckpt_{key}.safetensors", _frame(h, cdata), "deep nesting", CHECKPOINT_LOADERS | {"load_state_dict"})

    # --- offsets
    names = sorted(k for k in header if k != "__metadata__")
    first, second = names[0], names[1]

    def edit(tag: str, fn, category: str, refuse: frozenset = ALL, base=(header, data)) -> None:
        h = json.loads(json.dumps(base[0]))
        out = fn(h)
        add(f"{tag}.safetensors", _frame(h, base[1] if out is None else out), category, refuse)

    def set_entry(name: str, **kw):
        def fn(h):
            h[name].update(kw)
        return fn

    n0 = header[first]["data_offsets"]
    n1 = header[second]["data_offsets"]
    edit("offsets_overlap", set_entry(second, data_offsets=[n0[0], n0[0] + n1[1] - n1[0]]), "offsets")
    edit("offsets_out_of_range", set_entry(first, data_offsets=[len(data) + 8, len(data) + 8 + n0[1] - n0[0]]),
         "offsets")
    edit("offsets_reversed", set_entry(first, data_offsets=[n0[1], n0[0]]), "offsets")
    edit("offsets_negative", set_entry(first, data_offsets=[-4, n0[1] - n0[0] - 4]), "offsets")
    edit("offsets_float", set_entry(first, data_offsets=[float(n0[0]), float(n0[1])]), "offsets")
    edit("offsets_bool", set_entry(first, data_offsets=[False, True]), "offsets")
    edit("offsets_three", set_entry(first, data_offsets=[n0[0], n0[1], n0[1]]), "offsets")
    edit("offsets_huge", set_entry(first, data_offsets=[2**70, 2**70 + n0[1] - n0[0]]), "offsets")
    edit("offsets_gap", lambda h: (h[first].update(data_offsets=[n0[0] + 4, n0[1] + 4]), data + bytes(4))[1],
         "offsets")

    # --- dtypes
    for tag, dtype in (("unknown", "Q4"), ("lower", "f32"), ("bf16", "BF16"), ("fp8", "F8_E4M3"), ("number", 32),
                       ("null", None), ("empty", "")):
        edit(f"dtype_{tag}", set_entry(first, dtype=dtype), "dtype")
    edit("dtype_itemsize_lie", set_entry(first, dtype="F64"), "dtype")  # same offsets, twice the bytes needed

    # --- shapes vs bytes
    shape = header[first]["shape"]
    for tag, bad in (("bool", [True, shape[-1]]), ("negative", [-shape[0], shape[-1]]), ("string", ["16", "784"]),
                     ("float", [float(d) for d in shape]), ("too_big", [shape[0] * 2, shape[-1]]),
                     ("too_small", [1]), ("many_dims", [1] * 40), ("huge_with_zero", [0, 2**62]),
                     ("not_list", 16), ("nested", [[16, 784]])):
        edit(f"shape_{tag}", set_entry(first, shape=bad), "shape/bytes")

    # --- duplicate keys
    text = json.dumps(header)
    dup_tensor = '{"' + first + '": ' + json.dumps(header[first]) + ", " + text[1:]
    add("dup_tensor.safetensors", _frame(None, data, dup_tensor), "duplicate keys")
    dup_meta = text.replace('"__metadata__": {', '"__metadata__": {"format": "x", ', 1)
    add("dup_metadata.safetensors", _frame(None, data, dup_meta), "duplicate keys")
    h = json.loads(text)
    h["__metadata__"]["model_config"] = '{"hidden": [16], "hidden": [999999]}'
    add("dup_in_model_config.safetensors", _frame(h, data), "duplicate keys", ALL - {"load_metadata", "load",
                                                                                      "load_state_dict"})

    # --- pickles with a payload that would create the marker file if executed
    for proto in range(6):
        blob = pickle.dumps({"state_dict": {"w": _Payload(marker)}}, protocol=proto)
        add(f"pickle_p{proto}.pt", blob, "pickle")
    add("pickle_as_safetensors.safetensors", pickle.dumps(_Payload(marker), protocol=2), "pickle")
    prefixed = len(body).to_bytes(8, "little")[:2] + pickle.dumps(_Payload(marker), protocol=4)
    add("pickle_after_length.safetensors", prefixed, "pickle")

    # --- zip files (a PyTorch .pt is a zip of pickles)
    for tag, inner in (("torch_like", "archive/data.pkl"), ("plain", "weights.safetensors")):
        path = root / f"zip_{tag}.pt"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(inner, pickle.dumps(_Payload(marker)) if inner.endswith(".pkl") else model_raw)
            z.writestr("archive/version", "3")
        cases.append(Case(path.name, path, "zip"))

    # --- other formats
    for tag, blob in (("npy", b"\x93NUMPY\x01\x00" + bytes(60)), ("gzip", b"\x1f\x8b\x08" + bytes(60)),
                      ("hdf5", b"\x89HDF\r\n\x1a\n" + bytes(60)), ("empty", b""), ("zeros", bytes(64)),
                      ("text", b"this is not a model\n" * 4), ("png", b"\x89PNG\r\n\x1a\n" + bytes(40))):
        add(f"format_{tag}.bin", blob, "foreign format")

    # --- not regular files
    if hasattr(os, "mkfifo"):
        fifo = root / "fifo.safetensors"
        os.mkfifo(fifo)
        cases.append(Case(fifo.name, fifo, "not a regular file"))
    loop_a, loop_b = root / "loop_a.safetensors", root / "loop_b.safetensors"
    os.symlink(loop_b, loop_a)
    os.symlink(loop_a, loop_b)
    cases.append(Case(loop_a.name, loop_a, "not a regular file"))
    self_link = root / "self.safetensors"
    os.symlink(self_link, self_link)
    cases.append(Case(self_link.name, self_link, "not a regular file"))
    directory = root / "folder.safetensors"
    directory.mkdir()
    cases.append(Case(directory.name, directory, "not a regular file"))
    if os.path.exists("/dev/zero"):
        dev = root / "device.safetensors"
        os.symlink("/dev/zero", dev)
        cases.append(Case(dev.name, dev, "not a regular file"))

    # --- huge metadata, too many entries, too many tensors
    h = json.loads(text)
    h["__metadata__"]["junk"] = "x" * (16 * 2**20 + 1)
    add("huge_metadata.safetensors", _frame(h, data), "huge metadata", ALL, True)
    h = json.loads(text)
    h["__metadata__"].update({f"k{i}": "" for i in range(10_001)})
    add("many_metadata_entries.safetensors", _frame(h, data), "huge metadata")
    many = {f"t{i}": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0]} for i in range(100_001)}
    add("many_tensors.safetensors", _frame(many), "huge metadata", ALL, True)

    # --- model configs asking for more than the file holds (a tiny file), or nonsense
    for tag, name, config in (("vgg_wide", "vgg", {"width": 10**6}), ("mlp_wide", "mlp", {"hidden": [10**7] * 8}),
                              ("resnet_deep", "resnet", {"depth": 6 * 10**9 + 2}),
                              ("lenet_big_input", "lenet5", {"input_size": 10**7}),
                              ("resnet_name_depth", "resnet600000002", {"width": 64})):
        meta = {"format": "numnet.model", "model_name": name, "model_config": json.dumps(config)}
        add(f"config_{tag}.safetensors", _frame({"__metadata__": meta}), "huge model config",
            ALL - {"load", "load_metadata"}, True)
    for tag, meta_change in (("unknown_model", {"model_name": "gpt5"}), ("config_list", {"model_config": "[1, 2]"}),
                             ("config_bad_type", {"model_config": '{"hidden": "many"}'}),
                             ("config_unknown_arg", {"model_config": '{"hidden": [16], "evil": 1}'}),
                             ("config_bool", {"model_config": '{"in_features": true, "hidden": [16]}'}),
                             ("config_not_json", {"model_config": "{hidden"}),
                             ("no_model_name", {"model_name": None}),
                             ("card_bad_shape", {"input_shape": "[1, -28, 28]"}),
                             ("card_huge_shape", {"input_shape": "[3, 4096, 4096]"})):
        h = json.loads(text)
        for k, v in meta_change.items():
            if v is None:
                h["__metadata__"].pop(k)
            else:
                h["__metadata__"][k] = v
        refuse = ALL - {"load", "load_metadata", "load_state_dict"}
        if tag.startswith("card_"):  # load_model does not read the card; the commands do
            refuse = refuse - {"load_model"}
        add(f"meta_{tag}.safetensors", _frame(h, data), "model metadata", refuse)

    # --- mismatched checkpoints: another model, another optimizer, missing or malformed state
    other = numnet.models.get_model("mlp", in_features=784, hidden=[32], num_classes=10)
    path = root / "ckpt_other_model.safetensors"
    io.save_checkpoint(path, other, numnet.optim.SGD(other.parameters(), lr=0.1), metadata=_card())
    cases.append(Case(path.name, path, "mismatched checkpoint", CHECKPOINT_LOADERS | {"load_state_dict"}))
    numnet.manual_seed(0)
    m2 = numnet.models.get_model("mlp", in_features=784, hidden=[16], num_classes=10)
    adam = numnet.optim.Adam(m2.parameters())
    m2(x).sum().backward()
    adam.step()
    path = root / "ckpt_wrong_optimizer.safetensors"
    io.save_checkpoint(path, m2, adam, numnet.optim.lr_scheduler.StepLR(adam, 1), metadata=_card())
    cases.append(Case(path.name, path, "mismatched checkpoint", CHECKPOINT_LOADERS | {"load_state_dict"}))
    path = root / "ckpt_no_optimizer.safetensors"
    io.save_checkpoint(path, m2, metadata=_card())
    cases.append(Case(path.name, path, "mismatched checkpoint", CHECKPOINT_LOADERS | {"load_state_dict"}))
    path = root / "ckpt_wrong_scheduler.safetensors"
    io.save_checkpoint(path, model, opt, numnet.optim.lr_scheduler.ExponentialLR(opt, 0.5), metadata=_card())
    cases.append(Case(path.name, path, "mismatched checkpoint", CHECKPOINT_LOADERS | {"load_state_dict"}))
    for tag, key, value in (("epoch_negative", "epoch", "-1"), ("epoch_text", "epoch", "ten"),
                            ("step_float", "step", "1.5"), ("rng_garbage", "rng", '{"bit_generator": "PCG64"}'),
                            ("rng_other", "rng", '{"bit_generator": "MT19937", "state": {"key": [1], "pos": 0}}'),
                            ("optimizer_garbage", "optimizer", '{"state": 1, "param_groups": 2}'),
                            ("optimizer_groups", "optimizer", '{"state": {}, "param_groups": [{"params": [0]}]}'),
                            ("scheduler_garbage", "scheduler", '{"last_epoch": "soon"}'),
                            ("skeleton_missing_tensor", "optimizer", '{"__tensor__": "optimizer/nope"}'),
                            ("skeleton_bad_dict", "optimizer", '{"__dict__": 7}'),
                            ("extra_not_dict", "extra", "[1, 2, 3]"),
                            ("history_garbage", "extra", '{"history": {"epoch": ["x"], "history": 5}}'),
                            ("format_model", "format", "numnet.model")):
        h = json.loads(json.dumps(cheader))
        h["__metadata__"][key] = value
        refuse = CHECKPOINT_LOADERS - ({"load_checkpoint"} if tag.startswith(("extra_", "history_")) else set())
        add(f"ckpt_{tag}.safetensors", _frame(h, cdata), "mismatched checkpoint", refuse | {"load_state_dict"})

    for p in (good_model, good_ckpt):
        p.unlink()
    return cases


if __name__ == "__main__":  # pragma: no cover
    out = sys.argv[1] if len(sys.argv) > 1 else "hostile"
    found = generate(out)
    for c in found:
        print(f"{c.category:24s} {c.name}")
    print(f"{len(found)} files in {out}")
