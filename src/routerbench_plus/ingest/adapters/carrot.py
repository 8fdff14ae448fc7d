"""CARROT's open-leaderboard-v2 pickle (somerstep/CARROT) -> occurrences + long labels + costed models.

``new_leaderboard_processed_*.pickle`` (``data/open-llm-lb-v2/`` upstream) is a dict of 39 Open LLM
Leaderboard v2 tasks, each ``{'correctness': float array (models x items), 'models': [names]}``;
items are numbered by position only and there is no prompt text (a label-only benchmark). It is
read with ``safe_pickle.NumpyUnpickler``, the project's restricted unpickler narrowed to numpy arrays
and builtins: any other global (pandas, ``os.system``, ...) is refused before it is imported.

* Query id ``<task>/<position>``, category = task (as the long-format export read by
  ``config/openllm.yaml``). Model names ``open-llm-leaderboard/<org>__<name>-details`` become
  ``<org>__<name>``, matched to ``options.models_table`` (column ``source_model``).
* ``leaderboard_ifeval``'s ``correctness`` is a dict (``correctness_prompt``, ``correctness_inst``,
  ``weights_prompt``, ``weights_inst``). ``options.ifeval``: ``prompt`` (default) uses the
  prompt-level strict correctness, 1 when every instruction of the prompt is followed: a binary
  per-item label like every other task's; ``instruction`` uses the share of the prompt's
  instructions followed (a soft label); ``exclude`` leaves the task out, as CARROT does. The
  weights only re-weight the leaderboard's aggregate and are not used (every item weighs 1).
* ``options.models``: ``all`` (default) keeps every model; a model missing from a task (SOLAR-10.7B
  has no mmlu_pro) simply has no labels there (absent, never 0). ``common`` keeps only the models
  present in every kept task, as CARROT does (18 models); the others' label cells are counted.
* ``options.split``: ``seeded`` (default) leaves the split to the project's seeded, category-stratified
  split (config ``split``). ``carrot`` reproduces the study's split: the tasks concatenated in the order
  bbh (24), gpqa (3), math (7), mmlu_pro, musr (3) (tasks sorted by name within a family), ifeval left
  out (it must be excluded), then ``sklearn.model_selection.train_test_split(positions, test_size=0.2,
  random_state=42)``: 16,852 train / 4,213 test of 21,065 items (the shared assembly then carves
  ``split.val_fraction`` of train as val; the test set is CARROT's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ConfigError, InputError
from .. import base
from ..base import CommonOptions, Raw, Report
from ..download import GitHubSource, RemoteFile
from ..safe_pickle import NumpyUnpickler
from ..safe_pickle import load as unpickle

PICKLE_GLOB = "new_leaderboard_processed_*.pickle"
IFEVAL = "leaderboard_ifeval"
IFEVAL_FIELDS = {"prompt": "correctness_prompt", "instruction": "correctness_inst"}
FAMILIES = ("bbh", "gpqa", "math", "mmlu_pro", "musr")  # CARROT's OPEN_BENCHMARKS['all'] order
CARROT_TEST_SIZE = 0.2
CARROT_RANDOM_STATE = 42
MODEL_PREFIX, MODEL_SUFFIX = "open-llm-leaderboard/", "-details"

REMOTE = GitHubSource(
    repo="somerstep/CARROT",
    commit="c75a41eee4e00eb27532f8f44d09f529d4c8c04c",
    files=(
        RemoteFile(
            "data/open-llm-lb-v2/new_leaderboard_processed_20241205.pickle",
            "new_leaderboard_processed_20241205.pickle",
            bytes=3_284_835,
            sha256="becbe6bc270fb8e11b23bef99fa1c8ec86afbd7157578489a620c58a9367b5ed",
        ),
    ),
)

SPLITS = ("seeded", "carrot")
IFEVAL_CHOICES = ("prompt", "instruction", "exclude")
MODEL_CHOICES = ("all", "common")


@dataclass(frozen=True)
class Options(CommonOptions):
    revision: str | None = None
    split: str = "seeded"
    ifeval: str = "prompt"
    models: str = "all"

    @classmethod
    def from_config(cls, opts: dict[str, Any], where: str) -> Options:
        """split (seeded | carrot), ifeval (prompt | instruction | exclude), models (all | common)."""
        split = cls.choice(opts, "split", SPLITS, where)
        ifeval = cls.choice(opts, "ifeval", IFEVAL_CHOICES, where)
        models = cls.choice(opts, "models", MODEL_CHOICES, where)
        if split == "carrot" and ifeval != "exclude":
            raise ConfigError(
                f"{where}.split: 'carrot' is CARROT's split of bbh, gpqa, math, mmlu_pro and musr, without ifeval; "
                f"set {where}.ifeval: exclude (now {ifeval!r})"
            )
        return cls(**{**opts, "split": split, "ifeval": ifeval, "models": models})


def load(path: Path) -> dict[str, Any]:
    """Unpickle CARROT's file with ``NumpyUnpickler`` and check its structure (errors name the task)."""
    obj = unpickle(
        path,
        NumpyUnpickler,
        "pickle",
        "CARROT's file holds only numpy arrays, lists and dicts (the file is not CARROT's pickle and may be malicious)",
    )
    if not isinstance(obj, dict) or not obj:
        raise InputError(f"{path}: expected a dict of tasks {{task: {{'correctness', 'models'}}}}, found {type(obj).__name__}")
    for task, entry in obj.items():
        if not isinstance(entry, dict) or "correctness" not in entry or "models" not in entry:
            raise InputError(f"{path}: task '{task}': expected a dict with 'correctness' and 'models'")
        if not isinstance(entry["models"], (list, tuple)) or not all(isinstance(m, str) for m in entry["models"]):
            raise InputError(f"{path}: task '{task}': 'models' must be a list of model names")
    return obj


def _correctness(path: Path, task: str, entry: dict[str, Any], ifeval: str) -> np.ndarray:
    """The (models x items) label array of one task; ifeval's dict by ``options.ifeval``."""
    value = entry["correctness"]
    if isinstance(value, dict):
        field = IFEVAL_FIELDS.get(ifeval)
        if field not in value:
            raise InputError(f"{path}: task '{task}': 'correctness' is a dict without '{field}' (found {sorted(value)})")
        value = value[field]
    array = np.asarray(value)
    if array.ndim != 2 or array.shape[0] != len(entry["models"]) or not np.issubdtype(array.dtype, np.number):
        raise InputError(
            f"{path}: task '{task}': 'correctness' must be a numeric array of shape (models, items) with "
            f"{len(entry['models'])} rows, found shape {array.shape} ({array.dtype})"
        )
    return array.astype(np.float64)


def family_of(task: str) -> str | None:
    """CARROT's family of a task ('leaderboard_bbh_navigate' -> 'bbh'), None outside the five."""
    for family in FAMILIES:
        name = f"leaderboard_{family}"
        if task == name or task.startswith(name + "_"):
            return family
    return None


def carrot_order(tasks: list[str]) -> list[str]:
    """Tasks in CARROT's concatenation order: by family (bbh, gpqa, math, mmlu_pro, musr), by name within."""
    return sorted((t for t in tasks if family_of(t)), key=lambda t: (FAMILIES.index(family_of(t)), t))


def carrot_split(items: pd.DataFrame) -> np.ndarray:
    """'train'/'test' per item (rows: task, position) of CARROT's train_test_split over the concatenation."""
    from sklearn.model_selection import train_test_split

    order = carrot_order(list(pd.unique(items["task"])))
    rank = {t: i for i, t in enumerate(order)}
    sequence = items.assign(_rank=items["task"].map(rank)).sort_values(["_rank", "position"], kind="stable")
    _, test = train_test_split(np.arange(len(sequence)), test_size=CARROT_TEST_SIZE, random_state=CARROT_RANDOM_STATE)
    split = np.full(len(sequence), "train", dtype=object)
    split[test] = "test"
    return pd.Series(split, index=sequence.index).reindex(items.index).to_numpy()


def _source_file(source: Path) -> Path:
    if source.is_dir():
        found = sorted(source.glob(PICKLE_GLOB))
        if len(found) != 1:
            raise InputError(f"{source}: expected exactly one {PICKLE_GLOB}, found {[p.name for p in found]}")
        return found[0]
    return source


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """CARROT's pickle -> the shared assembly's inputs (module docstring)."""
    path = base.require_file(_source_file(source), "CARROT pickle")
    base.record_file(path, report, files, base.load_manifest(path.parent))
    data = load(path)
    tasks = [t for t in data if not (t == IFEVAL and opts.ifeval == "exclude")]
    if opts.ifeval == "exclude" and IFEVAL in data:
        n_items = np.asarray(data[IFEVAL]["correctness"]["correctness_prompt"]).shape[-1] if isinstance(
            data[IFEVAL]["correctness"], dict) else 0
        report.add("ifeval", 0, f"{IFEVAL} excluded (options.ifeval: exclude, as CARROT): {n_items} items not read")
    elif IFEVAL in data:
        report.add(
            "ifeval",
            np.asarray(_correctness(path, IFEVAL, data[IFEVAL], opts.ifeval)).shape[1],
            f"items of {IFEVAL} labelled with correctness_{'prompt' if opts.ifeval == 'prompt' else 'inst'} "
            f"(options.ifeval: {opts.ifeval}); weights_* not used",
        )
    names = {t: [m.removeprefix(MODEL_PREFIX).removesuffix(MODEL_SUFFIX) for m in data[t]["models"]] for t in tasks}
    keep = set.intersection(*(set(n) for n in names.values())) if opts.models == "common" else None

    occ_parts, label_parts, dropped = [], [], 0
    for task in tasks:
        array = _correctness(path, task, data[task], opts.ifeval)
        models = np.asarray(names[task], dtype=object)
        rows = np.ones(len(models), dtype=bool) if keep is None else np.isin(models, list(keep))
        dropped += int((~rows).sum()) * array.shape[1]
        n_models, n_items = int(rows.sum()), array.shape[1]
        ids = np.char.add(f"{task}/", np.arange(n_items).astype(str)).astype(object)
        occ_parts.append(pd.DataFrame({"query_id": ids, "task": task, "position": np.arange(n_items)}))
        label_parts.append(
            pd.DataFrame(
                {
                    "query_id": np.tile(ids, n_models),
                    "model": np.repeat(models[rows], n_items),
                    "label": array[rows].ravel(),
                    "file": path.name,
                }
            )
        )
    items = pd.concat(occ_parts, ignore_index=True)
    labels = pd.concat(label_parts, ignore_index=True)
    labels["file"] = pd.Categorical(labels["file"])
    report.add("rows_read", len(items), f"{len(tasks)} tasks (items)")
    report.add("label_cells_read", len(labels), "(model, item) cells")
    base.report_label_kinds(labels, items.set_index("query_id")["task"], report, "correctness")
    all_models = sorted(set().union(*(set(n) for n in names.values())))
    partial = sorted(m for m in all_models if sum(m in n for n in names.values()) < len(tasks))
    report.add(
        "models_not_in_every_task",
        len(partial),
        (f"{partial[:5]}: " + ("labels absent where missing (options.models: all)" if keep is None
                               else f"dropped with their {dropped} label cells (options.models: common, as CARROT)"))
        if partial else "none",
    )
    if opts.split == "carrot":
        outside = sorted(set(tasks) - set(carrot_order(tasks)))
        if outside:
            raise InputError(f"{path}: tasks {outside[:5]} are outside CARROT's five families; options.split: carrot cannot place them")
        split = carrot_split(items)
        n_test = int((split == "test").sum())
        report.add(
            "carrot_split",
            n_test,
            f"CARROT's split (train_test_split over {len(items)} items, test_size {CARROT_TEST_SIZE}, random_state "
            f"{CARROT_RANDOM_STATE}): {len(items) - n_test} train / {n_test} test",
        )
    else:
        split = np.full(len(items), None, dtype=object)
    occ = pd.DataFrame(
        {
            "query_id": items["query_id"].to_numpy(),
            "prompt": pd.array([pd.NA] * len(items), dtype="string"),
            "category": items["task"].astype("string").to_numpy(),
            "split": split,
            "file": path.name,
        }
    )
    models, labels = base.costed_labels(labels, opts.models_table, path.name, report)
    return Raw(occ, labels, models, "correctness arrays")
