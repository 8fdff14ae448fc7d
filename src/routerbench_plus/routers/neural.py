"""The built-in routers with a PyTorch network: MLP (one network or one per model) and matrix
factorisation. torch is imported when a router is built or trained, not with this module.

Every training step is one forward and backward pass of a mini-batch of queries through all
models' outputs at once (no loop over models or queries); an epoch is one pass over the shuffled
training queries, and the validation loss of all models is one forward pass per epoch.

``device`` (``cpu`` default | ``cuda`` | ``auto``): where the network trains and predicts. The
random streams (shuffling, MF's noise) are drawn on the CPU whatever the device, so a GPU run
shuffles exactly like a CPU run; its floating-point results differ in the last bits (other
kernels), so ``cpu`` stays the default: the same config gives byte-identical scores on any machine.
"""

from __future__ import annotations

import logging

import numpy as np

from .. import hardware
from ..errors import ConfigError
from .base import BaseRouter, check_fit_inputs, import_torch

log = logging.getLogger(__name__)


class _Adam:
    """Adam with L2 weight decay, the arithmetic of ``torch.optim.Adam``'s default single-tensor
    path (torch 2.x, CPU) op for op, so that the results are bit-identical (tests/test_routers.py
    compares both). Not ``torch.optim.Adam`` itself: constructing a process's first torch optimizer
    imports ``torch._dynamo`` (about 1 s, as long as importing torch), more than the whole training
    of a small router."""

    def __init__(self, params, lr: float, weight_decay: float = 0.0, betas=(0.9, 0.999), eps: float = 1e-8):
        import torch

        self.params = list(params)
        self.lr, self.weight_decay, self.eps = float(lr), float(weight_decay), float(eps)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.steps = [0] * len(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        beta1, beta2 = self.beta1, self.beta2
        with torch.no_grad():
            for i, param in enumerate(self.params):  # the network's few parameter tensors
                if param.grad is None:
                    continue
                grad = param.grad
                self.steps[i] += 1
                if self.weight_decay != 0:
                    grad = grad.add(param, alpha=self.weight_decay)
                self.exp_avg[i].lerp_(grad, 1 - beta1)
                self.exp_avg_sq[i].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                step = float(self.steps[i])
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                step_size = self.lr / bias_correction1
                bias_correction2_sqrt = bias_correction2**0.5
                denom = (self.exp_avg_sq[i].sqrt() / bias_correction2_sqrt).add_(self.eps)
                param.addcdiv_(self.exp_avg[i], denom, value=-step_size)


def _masked_bce(logits, target, mask):
    import torch

    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


def _per_model_bce(logits, target, mask):
    """(M,) masked BCE of each model's column: mean over its observed labels (0 where it has none)."""
    import torch

    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (loss * mask).sum(dim=0) / mask.sum(dim=0).clamp(min=1.0)


class _TorchRouter(BaseRouter):
    """Shared training loop: masked BCE on observed labels, Adam, early stopping on validation.

    A router whose network is a batched ensemble of independent per-model networks (``_per_model``)
    trains on the sum of the per-model losses (each network gets exactly its own gradient, and Adam's
    per-parameter state keeps them independent) and stops each network on its own validation loss:
    the best epoch of every model is restored separately, and training ends when every model has
    stopped (a model without validation labels keeps its last weights).
    """

    _per_model = False

    def __init__(
        self, epochs: int, lr: float, patience: int, seed: int, batch_size: int, weight_decay: float, device: str = "cpu"
    ):
        self.epochs = int(epochs)
        self.lr = float(lr)
        self.patience = int(patience)
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.weight_decay = float(weight_decay)
        for name in ("epochs", "patience", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"config key {self.key}.{name}: expected an integer >= 1; got {getattr(self, name)}")
        if self.lr <= 0:
            raise ConfigError(f"config key {self.key}.lr: expected > 0; got {self.lr}")
        if device not in hardware.DEVICES:
            raise ConfigError(f"config key {self.key}.device: expected one of {list(hardware.DEVICES)}; got {device!r}")
        self.device = device

    def _build(self, dim_in: int, n_models: int):  # -> torch.nn.Module
        raise NotImplementedError

    def _augment(self, x, generator):
        return x

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        torch = import_torch()
        check_fit_inputs(train_emb, train_labels, costs, self.key)
        self.device_ = hardware.resolve_device(self.device, f"{self.key}.device")
        torch.manual_seed(self.seed)
        gen = torch.Generator().manual_seed(self.seed)  # CPU: the same shuffles and noise on every device

        def tensor(array):
            return torch.from_numpy(array).to(self.device_)

        x = tensor(np.ascontiguousarray(train_emb, dtype=np.float32))
        y = tensor(train_labels.filled(0.0).T.copy())
        m = tensor(train_labels.mask.T.astype(np.float32))
        use_val = val_emb is not None and val_labels is not None and val_labels.mask.any()
        if use_val:
            xv = tensor(np.ascontiguousarray(val_emb, dtype=np.float32))
            yv = tensor(val_labels.filled(0.0).T.copy())
            mv = tensor(val_labels.mask.T.astype(np.float32))
        else:
            log.warning(
                "%s: no validation labels; training all %d epochs without early stopping", self.key, self.epochs
            )
        self.net_ = self._build(x.shape[1], y.shape[1]).to(self.device_)
        opt = _Adam(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        if self._per_model:
            self._fit_per_model(torch, opt, gen, x, y, m, (xv, yv, mv) if use_val else None)
            self.n_models_ = train_labels.shape[0]
            return self
        best, best_state, stale = np.inf, None, 0
        self.history_: list[tuple[int, float, float]] = []
        for epoch in range(self.epochs):
            self.net_.train()
            perm = torch.randperm(x.shape[0], generator=gen).to(self.device_)
            total = 0.0
            for start in range(0, x.shape[0], self.batch_size):  # mini-batches of queries, all models at once
                b = perm[start : start + self.batch_size]
                opt.zero_grad()
                loss = _masked_bce(self.net_(self._augment(x[b], gen)), y[b], m[b])
                loss.backward()
                opt.step()
                total += loss.detach().item() * len(b)
            train_loss = total / x.shape[0]
            if not use_val:
                self.history_.append((epoch, train_loss, float("nan")))
                continue
            self.net_.eval()
            with torch.no_grad():
                val_loss = _masked_bce(self.net_(xv), yv, mv).item()
            self.history_.append((epoch, train_loss, val_loss))
            if val_loss < best - 1e-6:
                best, stale = val_loss, 0
                best_state = {k: v.detach().clone() for k, v in self.net_.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            self.net_.load_state_dict(best_state)
        self.best_epoch_ = int(np.nanargmin([h[2] for h in self.history_])) if use_val else self.epochs - 1
        log.info(
            "%s: trained %d epoch(s), best epoch %d (val loss %.4f)",
            self.key, len(self.history_), self.best_epoch_, best if use_val else float("nan"),
        )
        self.n_models_ = train_labels.shape[0]
        return self

    def _forward_chunks(self, torch, x):
        """Logits of ``x`` in chunks of batch_size queries (bounded memory for the ensemble), no grad."""
        self.net_.eval()
        with torch.no_grad():
            return torch.cat([self.net_(x[i : i + self.batch_size]) for i in range(0, x.shape[0], self.batch_size)])

    def _fit_per_model(self, torch, opt, gen, x, y, m, val) -> None:
        """The training loop of a per-model ensemble with per-model early stopping (see the class docstring)."""
        n_models = y.shape[1]
        device = x.device
        params = list(self.net_.parameters())  # every parameter has the model axis first
        best_params = [p.detach().clone() for p in params]
        best = torch.full((n_models,), float("inf"), device=device)
        stale = torch.zeros(n_models, dtype=torch.long, device=device)
        has_val = (val[2].sum(dim=0) > 0) if val is not None else torch.zeros(n_models, dtype=torch.bool, device=device)
        best_epoch = torch.full((n_models,), -1, dtype=torch.long, device=device)
        self.history_ = []
        val_losses = []
        for epoch in range(self.epochs):
            self.net_.train()
            perm = torch.randperm(x.shape[0], generator=gen).to(device)
            total = 0.0
            for start in range(0, x.shape[0], self.batch_size):  # mini-batches of queries, all models at once
                b = perm[start : start + self.batch_size]
                opt.zero_grad()
                loss = _per_model_bce(self.net_(self._augment(x[b], gen)), y[b], m[b]).sum()
                loss.backward()
                opt.step()
                total += loss.detach().item() * len(b)
            train_loss = total / x.shape[0] / n_models
            if val is None:
                self.history_.append((epoch, train_loss, float("nan")))
                continue
            val_loss = _per_model_bce(self._forward_chunks(torch, val[0]), val[1], val[2])
            val_losses.append(val_loss.cpu().numpy().copy())
            active = has_val & (stale < self.patience)
            improved = active & (val_loss < best - 1e-6)
            with torch.no_grad():
                for p, kept in zip(params, best_params):
                    kept[improved] = p.detach()[improved]
            best = torch.where(improved, val_loss, best)
            best_epoch = torch.where(improved, torch.tensor(epoch, device=device), best_epoch)
            stale = torch.where(improved, torch.zeros_like(stale), stale + active.long())
            self.history_.append((epoch, train_loss, float(val_loss[has_val].mean()) if has_val.any() else float("nan")))
            if not (has_val & (stale < self.patience)).any():
                break
        with torch.no_grad():  # each model's best epoch; a model without validation labels keeps its last weights
            restore = best_epoch >= 0
            for p, kept in zip(params, best_params):
                p[restore] = kept[restore]
        self.best_epochs_ = best_epoch.cpu().numpy().copy()
        self.val_losses_ = np.array(val_losses).reshape(len(val_losses), n_models)  # (epochs run, models)
        if val is None:
            log.warning("%s: no validation labels; trained all %d epochs without early stopping", self.key, self.epochs)
        elif (~has_val).any():
            log.warning("%s: %d model(s) have no validation label and keep their last weights", self.key,
                        int((~has_val).sum()))
        stopped = self.best_epochs_[self.best_epochs_ >= 0]
        log.info("%s: %d networks trained %d epoch(s); best epochs min %s / median %s / max %s", self.key, n_models,
                 len(self.history_), *(np.percentile(stopped, [0, 50, 100]).astype(int) if stopped.size else ["-"] * 3))

    def predict(self, emb: np.ndarray) -> np.ndarray:
        import torch

        self._fitted()
        x = torch.from_numpy(np.ascontiguousarray(emb, dtype=np.float32)).to(self.device_)
        if self._per_model:  # the ensemble's hidden layer is (queries x models x hidden): chunk the queries
            return torch.sigmoid(self._forward_chunks(torch, x)).cpu().numpy().T.astype(np.float32).copy()
        self.net_.eval()
        with torch.no_grad():
            logits = self.net_(x)
        return torch.sigmoid(logits).cpu().numpy().T.astype(np.float32).copy()


class _PerModelMLP:  # built lazily so that importing this module does not import torch
    @staticmethod
    def make(dim_in: int, n_models: int, hidden: int, dropout: float):
        import torch

        class PerModelMLP(torch.nn.Module):
            """M independent MLPs (embedding -> hidden, ReLU, dropout -> one logit), batched:
            h[n, m] = relu(e_n W1[m] + b1[m]), logit[n, m] = h[n, m] . w2[m] + b2[m]. Each network is
            initialised like ``torch.nn.Linear`` (uniform +-1/sqrt(fan_in)), from the global seed."""

            def __init__(self):
                super().__init__()

                def uniform(fan_in, *shape):
                    bound = 1.0 / np.sqrt(fan_in)
                    return torch.nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

                self.w1 = uniform(dim_in, n_models, dim_in, hidden)
                self.b1 = uniform(dim_in, n_models, hidden)
                self.w2 = uniform(hidden, n_models, hidden)
                self.b2 = uniform(hidden, n_models)
                self.drop = torch.nn.Dropout(dropout)

            def forward(self, e):
                h = torch.relu(torch.einsum("nd,mdh->nmh", e, self.w1) + self.b1)
                return torch.einsum("nmh,mh->nm", self.drop(h), self.w2) + self.b2

        return PerModelMLP()


class MLPRouter(_TorchRouter):
    """One network, one output per model: embedding -> hidden (ReLU, dropout) -> logits.

    ``per_model: true``: the study's router (appendix E), one independent MLP per model, trained at
    once as a batched ensemble (weights (M, d, hidden), torch.einsum) with per-model early stopping.
    """

    def __init__(
        self,
        hidden: int = 128,
        epochs: int = 100,
        lr: float = 1e-3,
        patience: int = 10,
        seed: int = 0,
        batch_size: int = 256,
        dropout: float = 0.1,
        weight_decay: float = 0.0,
        per_model: bool = False,
        device: str = "cpu",
    ):
        super().__init__(epochs, lr, patience, seed, batch_size, weight_decay, device)
        self.hidden = int(hidden)
        self.dropout = float(dropout)
        if not isinstance(per_model, (bool, np.bool_)):
            raise ConfigError(f"config key {self.key}.per_model: expected true or false; got {per_model!r}")
        self._per_model = bool(per_model)

    def _build(self, dim_in: int, n_models: int):
        import torch

        if self._per_model:
            return _PerModelMLP.make(dim_in, n_models, self.hidden, self.dropout)
        return torch.nn.Sequential(
            torch.nn.Linear(dim_in, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Dropout(self.dropout),
            torch.nn.Linear(self.hidden, n_models),
        )


class _MFNet:  # built lazily so that importing this module does not import torch
    @staticmethod
    def make(dim_in: int, n_models: int, dim: int):
        import torch

        class MF(torch.nn.Module):
            """logit[q, m] = u_m . (W e_q) + b_m."""

            def __init__(self):
                super().__init__()
                self.proj = torch.nn.Linear(dim_in, dim, bias=False)
                self.models = torch.nn.Embedding(n_models, dim)
                self.bias = torch.nn.Parameter(torch.zeros(n_models))

            def forward(self, e):
                return self.proj(e) @ self.models.weight.T + self.bias

        return MF()


class MFRouter(_TorchRouter):
    """Matrix factorisation: y[m, q] ~ sigmoid(u_m . W e_q + b_m); Gaussian noise on e_q in training."""

    def __init__(
        self,
        dim: int = 64,
        epochs: int = 100,
        lr: float = 5e-3,
        noise: float = 0.01,
        patience: int = 10,
        seed: int = 0,
        batch_size: int = 256,
        weight_decay: float = 0.0,
        device: str = "cpu",
    ):
        super().__init__(epochs, lr, patience, seed, batch_size, weight_decay, device)
        self.dim = int(dim)
        self.noise = float(noise)
        if self.noise < 0:
            raise ConfigError(f"config key {self.key}.noise: expected >= 0; got {self.noise}")

    def _build(self, dim_in: int, n_models: int):
        return _MFNet.make(dim_in, n_models, self.dim)

    def _augment(self, x, generator):
        import torch

        if self.noise == 0:
            return x
        return x + self.noise * torch.randn(x.shape, generator=generator).to(x.device)
