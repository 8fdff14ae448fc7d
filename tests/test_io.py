"""Canonical table I/O helpers."""

import pandas as pd
import pytest

from routerbench_plus import io
from routerbench_plus.errors import InputError


def test_read_all_stacks_in_the_given_order_and_names_a_bad_file(tmp_path):
    paths = []
    for split, values in (("b", [3, 4]), ("a", [1])):
        path = tmp_path / f"{split}.parquet"
        io.write(pd.DataFrame({"split": split, "x": values}), path)
        paths.append(path)
    stacked = io.read_all(paths, ["split", "x"])
    assert stacked["split"].tolist() == ["b", "b", "a"] and stacked["x"].tolist() == [3, 4, 1]
    assert stacked.index.tolist() == [0, 1, 2]
    with pytest.raises(InputError, match=r"a\.parquet: missing required column\(s\) \['y'\]"):
        io.read_all(paths[::-1], ["y"])
