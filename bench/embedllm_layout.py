"""Write EmbedLLM-layout CSVs at full scale, to test and benchmark ingestion at the real size.

35,673 prompts x 112 synthetic models by default (~4.9 GB, streamed in chunks), prompts from the
demo benchmark's generator (``routerbench_plus.demo``), labels from the same item-response model.

Run: python bench/embedllm_layout.py --out DIR [--n-prompts N] [--n-models M] [--seed S] ...
(``bench_ingest.py`` and ``bench_dag.py fullscale`` call :func:`write_embedllm_layout` themselves).
"""

from __future__ import annotations

import argparse
import inspect
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from routerbench_plus import demo, store
from routerbench_plus.errors import ConfigError

log = logging.getLogger(__name__)

EMBEDLLM_SPLIT_SHARE = 3000 / 35673  # EmbedLLM: 29,673 train / 3,000 val / 3,000 test prompts


def embedllm_model_table(n_models: int, seed: int = 0) -> pd.DataFrame:
    """model_id, model_name, params_b, ability for the synthetic EmbedLLM-layout pool."""
    rng = np.random.default_rng([seed, 1])
    params = np.round(np.exp(rng.uniform(np.log(0.5), np.log(70.0), n_models)), 1)
    params = np.clip(params, 0.5, 70.0)
    names = [f"synth/model-{i:03d}-{p:g}b" for i, p in enumerate(params)]
    ability = demo.ability(params) + rng.normal(0.0, 0.3, n_models)
    return pd.DataFrame({"model_id": np.arange(n_models), "model_name": names, "params_b": params, "ability": ability})


def write_embedllm_layout(
    out_dir: str | Path,
    n_prompts: int = 35673,
    n_models: int = 112,
    seed: int = 0,
    n_categories: int = 80,
    n_conflicts: int = 20,
    chunk_prompts: int = 200,
) -> dict[str, int]:
    """Write EmbedLLM-layout CSVs (train/val/test, model_order, question_order, model_params).

    train/val/test.csv: model_id,prompt_id,prompt,category,label, one row per model x prompt of the
    split, streamed in chunks of ``chunk_prompts`` prompts (memory stays low at full scale).
    ``n_conflicts`` planted duplicate (model, prompt) rows with the opposite label are appended to
    train.csv. model_params.csv (model, params_b) gives the costs (an ingest models_table). Returns rows per file.
    """
    if n_prompts < 3 or n_models < 1 or n_categories < 1 or chunk_prompts < 1:
        raise ConfigError(
            f"embedllm-layout: n_prompts={n_prompts} (>= 3), n_models={n_models} (>= 1), "
            f"n_categories={n_categories} (>= 1), chunk_prompts={chunk_prompts} (>= 1) expected"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 0])
    models = embedllm_model_table(n_models, seed)
    cats = np.asarray(demo.category_names(n_categories), dtype=object)
    skill = rng.normal(0.0, 0.5, (n_models, n_categories))
    cat_offset = rng.normal(0.0, 0.7, n_categories)

    n_side = max(1, int(round(n_prompts * EMBEDLLM_SPLIT_SHARE)))
    split_of = np.full(n_prompts, "train", dtype=object)
    perm = rng.permutation(n_prompts)
    split_of[perm[:n_side]] = "test"
    split_of[perm[n_side : 2 * n_side]] = "val"
    category_of = rng.integers(0, n_categories, n_prompts)
    train_ids = np.flatnonzero(split_of == "train")
    k = min(max(n_conflicts, 0), len(train_ids))
    conflicts = pd.DataFrame(
        {"model_id": rng.integers(0, n_models, k), "prompt_id": rng.choice(train_ids, size=k, replace=False)}
    )

    models[["model_id", "model_name"]].to_csv(out / "model_order.csv", index=False)
    models[["model_name", "params_b"]].rename(columns={"model_name": "model"}).to_csv(out / "model_params.csv", index=False)
    schema = pa.schema(
        [
            ("model_id", pa.int64()),
            ("prompt_id", pa.int64()),
            ("prompt", pa.string()),
            ("category", pa.string()),
            ("label", pa.int64()),
        ]
    )
    rows = {"train.csv": 0, "val.csv": 0, "test.csv": 0, "question_order.csv": 0, "model_order.csv": n_models}
    conflict_rows: list[pd.DataFrame] = []
    options = pacsv.WriteOptions(quoting_style="needed")
    writers = {s: pacsv.CSVWriter(str(out / f"{s}.csv.tmp"), schema, write_options=options) for s in store.SPLITS}
    questions = pacsv.CSVWriter(
        str(out / "question_order.csv.tmp"),
        pa.schema([("prompt_id", pa.int64()), ("prompt", pa.string())]),
        write_options=options,
    )
    try:
        for start in range(0, n_prompts, chunk_prompts):  # loop over chunks of prompts
            ids = np.arange(start, min(start + chunk_prompts, n_prompts))
            chunk_rng = np.random.default_rng([seed, 2, start])
            prompts = demo.make_prompts(chunk_rng, category_of[ids], n_categories, 30, 300)
            questions.write_table(pa.table({"prompt_id": ids, "prompt": pa.array(prompts, pa.string())}))
            difficulty = cat_offset[category_of[ids]] + chunk_rng.normal(0.0, 1.0, len(ids))
            logits = models["ability"].to_numpy()[:, None] + skill[:, category_of[ids]] - difficulty[None, :]
            labels = (chunk_rng.random(logits.shape) < demo.sigmoid(logits)).astype(np.int64)  # models x prompts
            for split, writer in writers.items():
                local = np.flatnonzero(split_of[ids] == split)
                if not len(local):
                    continue
                p_local = np.repeat(local, n_models)  # prompt-major, all models per prompt
                m_ids = np.tile(np.arange(n_models), len(local))
                table = pa.table(
                    {
                        "model_id": m_ids,
                        "prompt_id": ids[p_local],
                        "prompt": pa.array(prompts[local], pa.string()).take(pa.array(np.repeat(np.arange(len(local)), n_models))),
                        "category": pa.array(cats[category_of[ids[p_local]]], pa.string()),
                        "label": labels[m_ids, p_local],
                    },
                    schema=schema,
                )
                writer.write_table(table)
                rows[f"{split}.csv"] += table.num_rows
            hit = conflicts[conflicts["prompt_id"].isin(ids)]
            if len(hit):
                local = hit["prompt_id"].to_numpy() - start
                conflict_rows.append(
                    pd.DataFrame(
                        {
                            "model_id": hit["model_id"].to_numpy(),
                            "prompt_id": hit["prompt_id"].to_numpy(),
                            "prompt": prompts[local],
                            "category": cats[category_of[hit["prompt_id"].to_numpy()]],
                            "label": 1 - labels[hit["model_id"].to_numpy(), local],
                        }
                    )
                )
            rows["question_order.csv"] += len(ids)
        if conflict_rows:
            planted = pd.concat(conflict_rows, ignore_index=True).sort_values(["prompt_id", "model_id"])
            writers["train"].write_table(pa.Table.from_pandas(planted, schema=schema, preserve_index=False))
            rows["train.csv"] += len(planted)
    finally:
        for writer in (*writers.values(), questions):
            writer.close()
    for split in store.SPLITS:
        (out / f"{split}.csv.tmp").replace(out / f"{split}.csv")
    (out / "question_order.csv.tmp").replace(out / "question_order.csv")
    rows["n_conflicting_duplicates"] = sum(len(c) for c in conflict_rows)
    log.info("wrote EmbedLLM layout to %s: %s", out, rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python bench/embedllm_layout.py --out DIR`` (full scale by default); one
    ``--<name>`` option per integer parameter of :func:`write_embedllm_layout`, same defaults."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder for the CSVs (created)")
    for param in list(inspect.signature(write_embedllm_layout).parameters.values())[1:]:
        parser.add_argument(f"--{param.name.replace('_', '-')}", type=int, default=param.default, help=f"default {param.default}")
    args = vars(parser.parse_args(argv))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    rows = write_embedllm_layout(args.pop("out"), **args)
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
