"""Benchmark: router training at EmbedLLM scale (MLP shared and per model, MF) vs EmbedLLM's own MF code path.

Workload: 112 models, 28,000 train / 3,000 validation / 3,000 test queries, 768-d L2-normalised
embeddings in 80 clustered categories, every label observed (EmbedLLM's layout), drawn from a
per-category item-response model (model ability + a per-(model, category) skill), seeded.

Ours: ``routers.make_router`` with the routers of config/config.yaml (``mlp``, ``mf``) and
``mlp`` with ``per_model: true`` (config/embedllm.yaml's ``mlp-per-model``), each fitted with early
stopping on the validation labels (epochs <= 100, patience 10) and scoring the test queries, on
``--threads`` threads (1: the ``routers_train`` rule's threads for these routers). Every training
step is one mini-batch of queries through all 112 models' outputs at once.

Baseline: EmbedLLM's MF training loop (github.com/richardzhuang0412/EmbedLLM, ``algorithm/mf.py``),
re-implemented here minimally with its defaults: one row per (model, prompt) label, a ``Dataset``
whose ``__getitem__`` returns one row and a ``DataLoader`` (batch 2,048, no shuffling) collating
them; ``TextMF`` (model embedding P (232-d), frozen question embeddings Q, Gaussian noise 0.05 on
Q, text_proj 768 -> 232, classifier 232 -> 2 on P * text_proj(Q)), cross-entropy, Adam (lr 1e-4,
weight decay 1e-5), 50 epochs without early stopping, the test set evaluated after every epoch
(loss and accuracy, as its ``evaluate``). Timed on ``--baseline-epochs`` epochs and extrapolated
linearly to 50 (its cost per epoch is constant). Same threads as ours.

Each router and the baseline run in their own process (their own peak RSS), one after the other.

Run: python bench/bench_routers.py [--threads 1] [--max-epochs 100] [--baseline-epochs 1] [--only mf ...]
     [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, cpu_summary, load_average, peak_rss_mb, row, run_worker

ROUTERS = {  # config/config.yaml's mlp and mf; config/embedllm.yaml's mlp-per-model
    "mlp": {"type": "mlp", "hidden": 128, "epochs": 100, "lr": 0.001, "patience": 10, "seed": 0},
    "mlp-per-model": {"type": "mlp", "per_model": True, "hidden": 128, "epochs": 100, "lr": 0.001, "patience": 10,
                      "seed": 0},
    "mf": {"type": "mf", "dim": 64, "epochs": 100, "lr": 0.005, "noise": 0.01, "patience": 10, "seed": 0},
}
EMBEDLLM_EPOCHS = 50  # EmbedLLM mf.py --num-epochs default


def workload(n_models: int, n_train: int, n_val: int, n_test: int, dim: int, n_categories: int = 80, seed: int = 0):
    """(embeddings (N, dim) float32, labels (models, N) float32 0/1): train, then val, then test queries."""
    rng = np.random.default_rng(seed)
    n = n_train + n_val + n_test
    centres = rng.normal(size=(n_categories, dim))
    category = rng.integers(0, n_categories, n)
    emb = centres[category] + 1.5 * rng.normal(size=(n, dim))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    ability = rng.normal(0.0, 1.0, n_models)
    skill = rng.normal(0.0, 1.0, (n_models, n_categories))
    difficulty = rng.normal(0.0, 1.0, n)
    logit = ability[:, None] + skill[:, category] - difficulty[None, :]
    labels = (rng.random((n_models, n)) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    return emb, labels


def label_matrices(labels: np.ndarray, n_train: int, n_val: int):
    from routerbench_plus import store

    n_models, n = labels.shape
    models = pd.Index([f"m{i:03d}" for i in range(n_models)], dtype=object)
    ids = pd.Index([f"q{i:05d}" for i in range(n)], dtype=object)
    mask = np.ones_like(labels, dtype=bool)

    def part(sl):
        return store.LabelMatrix(labels[:, sl], mask[:, sl], models, ids[sl])

    return part(slice(0, n_train)), part(slice(n_train, n_train + n_val)), part(slice(n_train + n_val, n))


def run_ours(name: str, args) -> dict:
    from routerbench_plus import routers

    routers.set_threads(args.threads)
    emb, labels = workload(args.models, args.train, args.val, args.test, args.dim)
    train, val, _ = label_matrices(labels, args.train, args.val)
    spec = {**ROUTERS[name], "epochs": min(ROUTERS[name]["epochs"], args.max_epochs)}
    start = time.perf_counter()
    import torch  # noqa: F401  (a training job pays this import once; timed apart)

    import_s = time.perf_counter() - start
    router = routers.make_router(name, spec)
    n_tv = args.train + args.val
    start = time.perf_counter()
    router.fit(emb[: args.train], train, np.ones(args.models), emb[args.train : n_tv], val)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    scores = router.predict(emb[n_tv:])
    predict_s = time.perf_counter() - start
    truth = labels[:, n_tv:]
    picked = truth[scores.argmax(axis=0), np.arange(truth.shape[1])].mean()
    epochs = len(router.history_)
    return {"seconds": fit_s + predict_s, "fit_s": fit_s, "predict_s": predict_s, "import_s": import_s,
            "epochs": epochs, "per_epoch_s": fit_s / epochs, "routed_accuracy": float(picked),
            "best_model_accuracy": float(truth.mean(axis=1).max()), "rss_mb": peak_rss_mb()}


def run_embedllm_mf(args) -> dict:
    """EmbedLLM's MF code path (see the module docstring), timed on ``args.baseline_epochs`` epochs."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, Dataset

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    emb, labels = workload(args.models, args.train, args.val, args.test, args.dim)
    n_tv = args.train + args.val

    def long_rows(columns: slice) -> pd.DataFrame:
        block = labels[:, columns]
        model_id, prompt_id = np.nonzero(np.ones_like(block, dtype=bool))
        return pd.DataFrame({"model_id": model_id, "prompt_id": prompt_id + (columns.start or 0),
                             "label": block[model_id, prompt_id].astype(np.int64)})

    train_rows, test_rows = long_rows(slice(0, args.train)), long_rows(slice(n_tv, None))

    class RowDataset(Dataset):  # EmbedLLM's CustomDataset: one (model, prompt, label) row per item
        def __init__(self, data: pd.DataFrame):
            self.models = torch.tensor(data["model_id"].to_numpy(), dtype=torch.int64)
            self.prompts = torch.tensor(data["prompt_id"].to_numpy(), dtype=torch.int64)
            self.labels = torch.tensor(data["label"].to_numpy(), dtype=torch.int64)

        def __len__(self):
            return len(self.models)

        def __getitem__(self, index):
            return self.models[index], self.prompts[index], self.labels[index]

    class TextMF(nn.Module):  # EmbedLLM's TextMF
        def __init__(self, question_embeddings, dim, alpha, num_models, text_dim):
            super().__init__()
            self.P = nn.Embedding(num_models, dim)
            self.Q = nn.Embedding(len(question_embeddings), text_dim).requires_grad_(False)
            self.Q.weight.data.copy_(question_embeddings)
            self.text_proj = nn.Linear(text_dim, dim)
            self.alpha = alpha
            self.classifier = nn.Linear(dim, 2)

        def forward(self, model, prompt, test_mode=False):
            p, q = self.P(model), self.Q(prompt)
            if not test_mode:
                q = q + torch.randn_like(q) * self.alpha
            return self.classifier(p * self.text_proj(q))

        @torch.no_grad()
        def predict(self, model, prompt):
            return torch.argmax(self.forward(model, prompt, test_mode=True), dim=1)

    train_loader = DataLoader(RowDataset(train_rows), 2048, shuffle=False)
    test_loader = DataLoader(RowDataset(test_rows), 2048, shuffle=False)
    net = TextMF(torch.from_numpy(emb), 232, 0.05, args.models, args.dim)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4, weight_decay=1e-5)
    loss_fn = nn.CrossEntropyLoss()
    epochs = []
    for _ in range(args.baseline_epochs):
        start = time.perf_counter()
        net.train()
        for models, prompts, target in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(net(models, prompts), target)
            loss.backward()
            optimizer.step()
        net.eval()  # evaluate(): test loss and accuracy after every epoch
        correct = total = 0
        with torch.no_grad():
            for models, prompts, target in test_loader:
                nn.CrossEntropyLoss(reduction="sum")(net(models, prompts), target).item()
                correct += (net.predict(models, prompts) == target).sum().item()
                total += len(target)
        epochs.append(time.perf_counter() - start)
    per_epoch = min(epochs)
    return {"seconds": per_epoch * EMBEDLLM_EPOCHS, "per_epoch_s": per_epoch, "epochs_timed": epochs,
            "test_accuracy": correct / total, "rows_per_epoch": len(train_rows), "rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=112)
    parser.add_argument("--train", type=int, default=28_000)
    parser.add_argument("--val", type=int, default=3_000)
    parser.add_argument("--test", type=int, default=3_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the routers_train rule's: 1)")
    parser.add_argument("--max-epochs", type=int, default=100, help="cap on the routers' epochs (config: 100)")
    parser.add_argument("--baseline-epochs", type=int, default=1, help="EmbedLLM MF epochs timed (of its 50)")
    parser.add_argument("--only", nargs="*", choices=list(ROUTERS), help="these routers only (default: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="append result rows to this JSON file")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_embedllm_mf(args) if args.worker == "embedllm-mf" else run_ours(args.worker, args)))
        return

    options = [f"--{k.replace('_', '-')}={getattr(args, k)}" for k in
               ("models", "train", "val", "test", "dim", "threads", "max_epochs", "baseline_epochs")]
    scale = f"{args.models} models x {args.train} train x {args.dim}-d ({args.val} val, {args.test} test)"
    print(f"workload: {scale}, {args.threads} thread(s), load {load_average()}\nCPU: {cpu_summary()}", flush=True)
    base = run_worker(__file__, "embedllm-mf", *options)
    print(f"EmbedLLM MF code path: {base['per_epoch_s']:.1f} s per epoch ({base['rows_per_epoch']} rows; timed "
          f"{', '.join(f'{t:.1f}' for t in base['epochs_timed'])} s), x {EMBEDLLM_EPOCHS} epochs = "
          f"{base['seconds']:.0f} s; peak RSS {base['rss_mb']:.0f} MB; load {load_average()}", flush=True)
    rows = []
    for name in args.only or list(ROUTERS):
        ours = run_worker(__file__, name, *options)
        ratio = base["seconds"] / ours["seconds"]
        print(f"{name}: {ours['seconds']:.1f} s (fit {ours['fit_s']:.1f} s: {ours['epochs']} epochs x "
              f"{ours['per_epoch_s']:.2f} s with early stopping; predict {ours['predict_s']:.2f} s; + torch import "
              f"{ours['import_s']:.2f} s); {ratio:.1f}x faster than the EmbedLLM MF path ({base['per_epoch_s'] / ours['per_epoch_s']:.0f}x "
              f"per epoch); routed test accuracy {ours['routed_accuracy']:.3f} (best single model "
              f"{ours['best_model_accuracy']:.3f}); peak RSS {ours['rss_mb']:.0f} MB; load {load_average()}", flush=True)
        rows.append(row(
            f"router training, {name} ({scale}), fit + test scores", ours["seconds"],
            f"EmbedLLM's MF code path ({EMBEDLLM_EPOCHS} epochs, per-row DataLoader)", base["seconds"],
            "time per router reported (no target)", None, ours["rss_mb"], base["rss_mb"],
            f"{args.threads} thread(s); ours {ours['epochs']} epochs x {ours['per_epoch_s']:.2f} s (early stopping, "
            f"patience 10), predict {ours['predict_s']:.2f} s, + torch import {ours['import_s']:.2f} s; baseline "
            f"{base['per_epoch_s']:.1f} s per epoch (train + its per-epoch test evaluation), timed on "
            f"{len(base['epochs_timed'])} epoch(s), extrapolated to {EMBEDLLM_EPOCHS}",
        ))
    append_rows(args.json, rows)


if __name__ == "__main__":
    main()
