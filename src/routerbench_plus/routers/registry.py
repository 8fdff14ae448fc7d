"""The one registry of router types: the built-in routers (in the order figures and tables list them,
each with its label, figure colour and the threads its training rule takes) and the construction of
any router, built in or a user's ``module:Class``, from its config entry ``routers.<name>``."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import BaseRouter, Router
from .neural import MFRouter, MLPRouter
from .simple import HeuristicRouter, KMeansRouter, KNNRouter, OracleRouter, RandomRouter


@dataclass(frozen=True)
class RouterType:
    """A built-in router type: its class, how figures and tables show it, and its rule's threads."""

    cls: type
    label: str  # its name in figures and tables
    colour: int | str  # a slot of the figure palette, or a fixed colour
    line: str = "-"  # its line style in figures
    threads: int = 1  # threads of its routers_train job (faiss / scikit-learn use them)


# The built-in types, in the study's order (figures and tables list routers in this order).
BUILTIN: dict[str, RouterType] = {
    "knn": RouterType(KNNRouter, "K-NN", 0, threads=2),
    "kmeans": RouterType(KMeansRouter, "K-Means", 1, threads=2),
    "mlp": RouterType(MLPRouter, "MLP", 2),
    "mf": RouterType(MFRouter, "MF", 4),
    "heuristic": RouterType(HeuristicRouter, "Heuristic", 3),
    "random": RouterType(RandomRouter, "Random", "#555555", ":"),
    "oracle": RouterType(OracleRouter, "Oracle", "#000000", "--"),
}


def router_class(name: str, spec: Mapping[str, Any], search_paths: Sequence[str] = ()) -> type:
    """The class named by ``routers.<name>.type``: a built-in name or ``module:Class``.

    ``search_paths`` are put in front of ``sys.path`` before importing a user module (the
    pipeline passes the workflow folder, so ``tests.example_router:CheapestAdequate`` works).
    """
    kind = spec.get("type") if isinstance(spec, Mapping) else None
    key = f"routers.{name}.type"
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"config key {key}: missing; expected one of {sorted(BUILTIN)} or 'module:Class'")
    if kind in BUILTIN:
        return BUILTIN[kind].cls
    module_name, sep, class_name = kind.partition(":")
    if not sep or not module_name or not class_name:
        raise ConfigError(
            f"config key {key}: '{kind}' is neither a built-in router {sorted(BUILTIN)} nor 'module:Class'"
        )
    for path in reversed(list(search_paths)):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"config key {key}: cannot import module '{module_name}' ({exc})") from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise ConfigError(f"config key {key}: module '{module_name}' has no class '{class_name}'")
    missing = [m for m in ("fit", "predict") if not callable(getattr(cls, m, None))]
    if missing:
        raise ConfigError(
            f"config key {key}: class '{kind}' does not implement the router interface (missing {missing}; "
            "expected fit(train_emb, train_labels, costs, val_emb, val_labels) and predict(emb))"
        )
    return cls


def needs_embeddings(name: str, spec: Mapping[str, Any], search_paths: Sequence[str] = ()) -> bool:
    """Whether the router of ``routers.<name>`` reads query embeddings (its class attribute, default True)."""
    return bool(getattr(router_class(name, spec, search_paths), "needs_embeddings", True))


def router_threads(spec: Mapping[str, Any]) -> int:
    """Threads of the routers_train job of a router config entry (a user's router: 1)."""
    kind = spec.get("type")
    return BUILTIN[kind].threads if kind in BUILTIN else 1


def check_routers(config: Mapping[str, Any], search_paths: Sequence[str | Path] = ()) -> None:
    """Raise ConfigError when a ``routers.<name>.type`` is neither built in nor an importable 'module:Class'.

    Run before the DAG is built, so a wrong import path is one line naming the key, not an
    input-function error in the middle of the DAG.
    """
    for name, spec in dict(config.get("routers") or {}).items():
        router_class(name, spec, [str(p) for p in search_paths])


def _param_problem(cls: type, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first hyper-parameter whose value cannot be read as the type of its default: (key, expected).

    A bool is neither an integer nor a number here, and an integer parameter refuses a
    fractional value (``k: 2.5`` would otherwise silently become 2).
    """
    parameters = inspect.signature(cls).parameters
    for key, value in params.items():
        default = parameters[key].default if key in parameters else None
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            continue
        expected, convert = ("an integer", int) if isinstance(default, int) else ("a number", float)
        if isinstance(value, bool):
            return key, expected
        try:
            converted = convert(value)
        except (TypeError, ValueError, OverflowError):
            return key, expected
        if convert is int and isinstance(value, float) and converted != value:
            return key, expected
    return None


def make_router(name: str, spec: Mapping[str, Any], search_paths: Sequence[str] = ()) -> Router:
    """Instantiate ``routers.<name>`` with its hyper-parameters (every key except ``type``)."""
    cls = router_class(name, spec, search_paths)
    params = {k: v for k, v in spec.items() if k != "type"}
    try:
        signature = inspect.signature(cls)
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        unknown = [] if accepts_any else sorted(set(params) - set(signature.parameters))
    except (TypeError, ValueError):
        unknown = []
    if unknown:
        allowed = [p for p in inspect.signature(cls).parameters]
        raise ConfigError(
            f"unknown config key {', '.join(f'routers.{name}.{u}' for u in unknown)}; "
            f"router '{spec['type']}' accepts {allowed}"
        )
    problem = _param_problem(cls, params) if issubclass(cls, BaseRouter) else None
    if problem:
        raise ConfigError(f"config key routers.{name}.{problem[0]}: expected {problem[1]}; got {params[problem[0]]!r}")
    try:
        if issubclass(cls, BaseRouter):  # set the key first: errors in __init__ name the config entry
            router = cls.__new__(cls)
            router.key = f"routers.{name}"
            router.__init__(**params)
        else:
            router = cls(**params)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config key routers.{name}: cannot build router '{spec['type']}' ({exc})") from None
    return router
