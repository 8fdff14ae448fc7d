"""Load pickles without running code: unpicklers that resolve only an allow-list of globals.

RouterBench ships a pickled pandas DataFrame and CARROT a pickled dict of numpy arrays; a plain
``pickle.load`` would run whatever a tampered file asks for. :class:`RestrictedUnpickler` resolves
only the pandas/numpy globals that rebuild a DataFrame (old module locations mapped to new ones),
:class:`NumpyUnpickler` narrows it to numpy arrays and builtins; any other global (``os.system``,
``builtins.eval``, ...) is refused before it is imported.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .base import require_file

ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", "slice"),
        ("builtins", "bytearray"),
        ("builtins", "complex"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("_codecs", "encode"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("pandas", "DataFrame"),
        ("pandas", "Series"),
        ("pandas", "Index"),
        ("pandas", "RangeIndex"),
        ("pandas", "MultiIndex"),
        ("pandas", "CategoricalIndex"),
        ("pandas", "Categorical"),
        ("pandas", "CategoricalDtype"),
        ("pandas", "StringDtype"),
        ("pandas", "Int64Dtype"),
        ("pandas", "Float64Dtype"),
        ("pandas", "BooleanDtype"),
        ("pandas.core.frame", "DataFrame"),
        ("pandas.core.series", "Series"),
        ("pandas.core.indexes.base", "Index"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.indexes.range", "RangeIndex"),
        ("pandas.core.indexes.multi", "MultiIndex"),
        ("pandas.core.indexes.category", "CategoricalIndex"),
        ("pandas.core.internals.managers", "BlockManager"),
        ("pandas.core.internals.managers", "SingleBlockManager"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas.core.arrays.categorical", "Categorical"),
        ("pandas.core.dtypes.dtypes", "CategoricalDtype"),
        ("pandas.arrays", "ArrowStringArray"),
        ("pandas.arrays", "StringArray"),
        ("pandas.arrays", "IntegerArray"),
        ("pandas.arrays", "FloatingArray"),
        ("pandas.arrays", "BooleanArray"),
        ("pandas.core.arrays.string_", "StringArray"),
        ("pandas.core.arrays.string_", "StringDtype"),
        ("pandas.core.arrays.string_arrow", "ArrowStringArray"),
        ("pyarrow.lib", "_restore_array"),
        ("pyarrow.lib", "type_for_alias"),
        ("pyarrow.lib", "py_buffer"),
    }
)
# Old locations of the same globals (Python 2 names, numpy < 2, pandas < 2).
RENAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("pandas.core.internals.blocks", "new_block"): ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.indexes.numeric", "Int64Index"): ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.numeric", "UInt64Index"): ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.numeric", "Float64Index"): ("pandas.core.indexes.base", "Index"),
}
MODULE_RENAMES = {"__builtin__": "builtins", "copy_reg": "copyreg"}
NUMPY_MODULES = ("numpy", "builtins", "_codecs", "__builtin__", "copy_reg")
# what a broken pickle raises while loading (a truncated file, a class that no longer exists, ...)
LOAD_ERRORS = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, KeyError, TypeError, ValueError)


class RejectedGlobal(Exception):
    """A pickle asked for a global outside the allow-list (the message names it)."""


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the pandas/numpy globals needed to rebuild a DataFrame.

    Any other global (``os.system``, ``builtins.eval``, ...) is refused before it is imported,
    so a malicious pickle cannot run code.
    """

    def find_class(self, module: str, name: str) -> Any:
        module = MODULE_RENAMES.get(module, module)
        if module.startswith("numpy.core."):
            module = "numpy._core." + module[len("numpy.core.") :]
        key = RENAMES.get((module, name), (module, name))
        if key not in ALLOWED:
            raise RejectedGlobal(f"{module}.{name}")
        return super().find_class(*key)


class NumpyUnpickler(RestrictedUnpickler):
    """:class:`RestrictedUnpickler` narrowed to numpy arrays and builtins (no pandas, no pyarrow)."""

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] not in NUMPY_MODULES:
            raise RejectedGlobal(f"{module}.{name}")
        return super().find_class(module, name)


def load(path: Path, unpickler: type[RestrictedUnpickler], what: str, refusal: str) -> Any:
    """Unpickle ``path`` with ``unpickler``; a refused global or a broken file is one InputError.

    ``what`` names the expected content ("DataFrame pickle"); ``refusal`` ends the message of a
    refused global (what the file may hold).
    """
    with open(path, "rb") as handle:
        try:
            return unpickler(handle).load()
        except RejectedGlobal as exc:
            raise InputError(f"{path}: refused to unpickle global '{exc}': {refusal}") from None
        except LOAD_ERRORS as exc:
            raise InputError(
                f"{path}: not a readable {what} ({type(exc).__name__}: {exc}); the file may be truncated"
            ) from None


def read_pickled_frame(path: str | os.PathLike) -> pd.DataFrame:
    """Load a pickled DataFrame with :class:`RestrictedUnpickler` (never plain pickle.load)."""
    path = require_file(Path(path), "pickle file")
    obj = load(
        path,
        RestrictedUnpickler,
        "DataFrame pickle",
        "only the pandas/numpy globals that rebuild a DataFrame are allowed (the file is not a plain "
        "DataFrame pickle and may be malicious)",
    )
    if not isinstance(obj, pd.DataFrame):
        raise InputError(f"{path}: expected a pickled pandas DataFrame, found {type(obj).__name__}")
    return obj
