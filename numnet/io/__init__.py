"""Files you can trust: tensors in the safetensors format, written atomically; loading never runs code.

* :func:`save` / :func:`load` — PyTorch's ``torch.save``/``torch.load`` idiom: a ``state_dict`` or a nested checkpoint
  dict (state_dicts, lists, numbers, strings, Tensors), tensors in the file and the structure as JSON in its
  metadata (:mod:`numnet.io.objects`); the file is safetensors whatever its suffix.
* :func:`load_metadata` — a file's str→str metadata (:mod:`numnet.io.safetensors_format`, which also validates a
  file's header before trusting it).
* :func:`save_model` / :func:`load_model` — weights plus what is needed to rebuild a model of the zoo
  (:mod:`numnet.models`): numnet version, model class, registry name and config (JSON) in the file's metadata
  (:mod:`numnet.io.model_files`).
* :func:`save_checkpoint` / :func:`load_checkpoint` — model, optimizer, scheduler, epoch/step, numnet's RNG state and
  user extras in one file, so a resumed run continues bit-identically (:mod:`numnet.io.checkpoints`).
* :func:`flatten_state` / :func:`unflatten_state` — nested state as path-named tensors plus a JSON skeleton
  (:mod:`numnet.io.state`).
* :func:`atomic_write_bytes` — temp file, fsync, ``os.replace``, fsync the folder (:mod:`numnet.io.atomic`).

No pickle anywhere: a file holds only numbers and strings. Every write is atomic: a crash or an exception leaves
either the old file or the new one, never a half-written file.

The modules import one another bottom-up only: ``atomic → safetensors_format → state → objects → model_files → checkpoints``.
"""

# PathLike and the two format tags stay reachable as numnet.io.<name>, as they were before the split.
from numnet.io.atomic import PathLike, atomic_write_bytes  # noqa: F401
from numnet.io.checkpoints import CHECKPOINT_FORMAT, load_checkpoint, save_checkpoint  # noqa: F401
from numnet.io.model_files import MODEL_FORMAT, load_model, save_model  # noqa: F401
from numnet.io.objects import load, save
from numnet.io.safetensors_format import load_metadata
from numnet.io.state import flatten_state, unflatten_state

__all__ = [
    "atomic_write_bytes",
    "flatten_state",
    "load",
    "load_checkpoint",
    "load_metadata",
    "load_model",
    "save",
    "save_checkpoint",
    "save_model",
    "unflatten_state",
]
