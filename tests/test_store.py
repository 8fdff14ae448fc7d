"""Canonical table I/O helpers."""

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import pseudo_specialists, store
from routerbench_plus.errors import InputError


def test_read_all_stacks_in_the_given_order_and_names_a_bad_file(tmp_path):
    paths = []
    for split, values in (("b", [3, 4]), ("a", [1])):
        path = tmp_path / f"{split}.parquet"
        store.write(pd.DataFrame({"split": split, "x": values}), path)
        paths.append(path)
    stacked = store.read_all(paths, ["split", "x"])
    assert stacked["split"].tolist() == ["b", "b", "a"] and stacked["x"].tolist() == [3, 4, 1]
    assert stacked.index.tolist() == [0, 1, 2]
    with pytest.raises(InputError, match=r"a\.parquet: missing required column\(s\) \['y'\]"):
        store.read_all(paths[::-1], ["y"])


# --------------------------------------------------------------------------- per-query costs


def costed_benchmark(cost_usd) -> store.Benchmark:
    """2 models x 3 queries; m1 is not run on q2; ``cost_usd`` per label row (or None: no column)."""
    queries = pd.DataFrame({"query_id": ["q0", "q1", "q2"], "category": "c", "split": ["train", "test", "test"]})
    models = pd.DataFrame({"model": ["m0", "m1"], "params_b": [1.0, 7.0], "usd_per_query": [0.5, 2.0]})
    labels = pd.DataFrame(
        {"query_id": ["q0", "q1", "q2", "q0", "q1"], "model": ["m0", "m0", "m0", "m1", "m1"],
         "label": [1.0, 0.0, 1.0, 1.0, 1.0], "extra": 0}
    )
    if cost_usd is not None:
        labels["cost_usd"] = cost_usd
    return store.Benchmark.from_frames(queries, models, labels, name="costed")


def test_cost_matrix_uses_each_pairs_cost_and_falls_back_to_the_model_constant():
    bench = costed_benchmark([0.25, np.nan, 0.75, 3.0, 1.0])
    assert list(bench.labels.columns) == ["query_id", "model", "label", "cost_usd"]  # 'extra' dropped
    assert bench.labels["cost_usd"].dtype == np.float64
    assert bench.has_query_costs("usd") and not bench.has_query_costs("params") and not bench.has_query_costs("tokens")
    # m0/q1 NaN cell -> m0's constant 0.5; m1/q2 unlabelled -> m1's constant 2.0
    np.testing.assert_array_equal(bench.cost_matrix("usd"), [[0.25, 0.5, 0.75], [3.0, 1.0, 2.0]])
    np.testing.assert_array_equal(bench.costs("usd"), [0.5, 2.0])  # the one per-model number is unchanged
    np.testing.assert_array_equal(bench.cost_matrix("params"), [[1.0] * 3, [7.0] * 3])  # no per-query params


def test_cost_matrix_without_per_query_column_is_the_constant():
    bench = costed_benchmark(None)
    assert list(bench.labels.columns) == ["query_id", "model", "label"]
    assert not bench.has_query_costs("usd")
    np.testing.assert_array_equal(bench.cost_matrix("usd"), [[0.5] * 3, [2.0] * 3])


def test_per_query_costs_survive_subset_and_parquet_round_trip(tmp_path):
    bench = costed_benchmark([0.25, np.nan, 0.75, 3.0, 1.0])
    paths = [tmp_path / f"{n}.parquet" for n in store.BENCHMARK_FILES]
    store.write_benchmark(bench, *paths)
    again = store.read_benchmark(*paths)
    pd.testing.assert_frame_equal(again.labels, bench.labels)
    sub = again.subset(query_ids=["q1", "q2"])
    np.testing.assert_array_equal(sub.cost_matrix("usd"), [[0.5, 0.75], [1.0, 2.0]])


@pytest.mark.parametrize("bad", [-1.0, np.inf, "cheap"])
def test_bad_per_query_cost_names_the_column(bad):
    cells = [0.25, 0.5, 0.75, 3.0, bad]
    with pytest.raises(InputError, match=r"costed labels: column 'cost_usd' \(per-query cost\)"):
        costed_benchmark(cells)


def test_pseudo_specialist_rows_fall_back_to_their_constant():
    """pseudo_specialists.inject appends label rows without per-query costs: NaN cells, the pseudo model's constant."""
    rng = np.random.default_rng(0)
    ids = [f"q{i:02d}" for i in range(40)]
    queries = pd.DataFrame({"query_id": ids, "category": ["a", "b"] * 20, "split": "train"})
    models = pd.DataFrame({"model": ["m0", "m1"], "params_b": [1.0, 7.0], "usd_per_query": [0.5, 2.0]})
    labels = pd.DataFrame({"query_id": ids * 2, "model": ["m0"] * 40 + ["m1"] * 40,
                           "label": rng.integers(0, 2, 80).astype(float), "cost_usd": rng.uniform(0.1, 3, 80)})
    bench = store.Benchmark.from_frames(queries, models, labels, name="p")
    selection = pd.DataFrame({"task": ["a"], "selected": [True], "pseudo_acc": [0.9]})
    injected = pseudo_specialists.inject(bench, selection, pseudo_specialists.PseudoOptions(cost=1.0, seed=0))
    name = pseudo_specialists.pseudo_name("a")
    assert injected.labels.loc[injected.labels["model"] == name, "cost_usd"].isna().all()
    row = injected.models["model"].tolist().index(name)
    constant = injected.models.loc[row, "usd_per_query"]
    matrix = injected.cost_matrix("usd")
    np.testing.assert_array_equal(matrix[row], np.full(40, constant))
    np.testing.assert_array_equal(matrix[:2], bench.cost_matrix("usd"))  # the real models keep their own costs
