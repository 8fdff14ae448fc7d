"""Config schema: the shipped configs validate; a wrong type or unknown key fails naming the key."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from routerbench_plus.config import check_config
from routerbench_plus.errors import ConfigError

from conftest import REPO, run_snakemake

SCHEMA = REPO / "config" / "schema.yaml"


def load(name: str) -> dict:
    return yaml.safe_load((REPO / name).read_text())


def merged(*names: str) -> dict:
    """Recursive merge like Snakemake's --configfile (dicts merge, other values replace)."""

    def merge(base: dict, extra: dict) -> dict:
        out = copy.deepcopy(base)
        for key, value in extra.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    config: dict = {}
    for name in names:
        config = merge(config, load(name))
    return config


@pytest.mark.parametrize(
    "extra",
    ["tests/tiny.yaml"] + sorted(str(p.relative_to(REPO)) for p in (REPO / "config").glob("*.yaml") if p.name not in {"config.yaml", "schema.yaml"}),
)
def test_shipped_configs_validate(extra: str) -> None:
    check_config(merged("config/config.yaml", extra), SCHEMA)


def test_default_config_validates() -> None:
    check_config(load("config/config.yaml"), SCHEMA)


@pytest.mark.parametrize(
    "mutate, key, expected",
    [
        (lambda c: c["dedup"].__setitem__("delta", ["high"]), "dedup.delta.0", "not of type 'number'"),
        (lambda c: c["dedup"].__setitem__("delta", [1.5]), "dedup.delta.0", "maximum"),
        (lambda c: c["prune"].__setitem__("lambda", [-0.1]), "prune.lambda.0", "minimum"),
        (lambda c: c["evaluation"].__setitem__("bootstrap_resamples", "many"), "evaluation.bootstrap_resamples", "not of type 'integer'"),
        (lambda c: c["dedup"].__setitem__("thresold", 0.9), "dedup.thresold", "unknown config key"),
        (lambda c: c.__setitem__("sead", 1), "sead", "unknown config key"),
        (lambda c: c["benchmarks"]["demo"].__setitem__("adapter", "csv"), "benchmarks.demo.adapter", "is not one of"),
        (lambda c: c.__setitem__("run", ["nope"]), "run", "not under 'benchmarks'"),
    ],
)
def test_bad_config_names_the_key(mutate, key: str, expected: str) -> None:
    config = load("config/config.yaml")
    mutate(config)
    with pytest.raises(ConfigError) as info:
        check_config(config, SCHEMA)
    assert key in str(info.value)
    assert expected in str(info.value)


def test_snakemake_reports_one_line_for_a_bad_config(workflow_copy: Path) -> None:
    result = run_snakemake(workflow_copy, "-n", "--config", "dedup={'delta': ['x']}")
    assert result.returncode != 0
    lines = [l for l in result.stderr.splitlines() if "RouterBench+ config error" in l]
    assert lines == ["RouterBench+ config error: config key dedup.delta.0: 'x' is not of type 'number'"]
    assert "Traceback" not in result.stderr
