"""Train/val/test splits: the seeded stratified split and the experiment splits routers train on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError


def assign_random_split(
    categories: pd.Series, val_fraction: float, test_fraction: float, seed: int
) -> pd.Series:
    """Seeded split stratified by category: each category gets its share of val and test.

    Vectorised: one random key per query, ranked within its category.
    """
    if not 0 <= val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"split.val_fraction={val_fraction} and split.test_fraction={test_fraction}: "
            "expected 0 <= val, 0 < test and val + test < 1"
        )
    categories = categories.reset_index(drop=True)
    counts = categories.value_counts()
    single = counts[counts < 2]
    if len(single):
        raise InputError(
            f"column 'category': categories {single.index.tolist()[:5]} have a single query; "
            "a stratified split needs at least 2 per category"
        )
    rng = np.random.default_rng(seed)
    key = pd.Series(rng.random(len(categories)))
    position = key.groupby(categories.to_numpy()).rank(method="first") - 1
    size = categories.map(counts).to_numpy()
    # at least one test query per category; val only where the category can spare it
    n_test = np.maximum(1, np.round(size * test_fraction)).astype(int)
    n_val = np.minimum(np.round(size * val_fraction).astype(int), np.maximum(size - n_test - 1, 0))
    pos = position.to_numpy()
    split = np.where(pos < n_test, "test", np.where(pos < n_test + n_val, "val", "train"))
    return pd.Series(split, index=categories.index, name="split", dtype="string")
