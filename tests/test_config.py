"""Config schema: the shipped configs validate; a wrong type or unknown key fails naming the key."""

from __future__ import annotations

import copy
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_snakemake
from snakemake.utils import validate

from routerbench_plus.config import check_config
from routerbench_plus.errors import ConfigError
from routerbench_plus.pseudo_specialists import PseudoOptions

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
    lines = [line for line in result.stderr.splitlines() if "RouterBench+ config error" in line]
    assert lines == ["RouterBench+ config error: config key dedup.delta.0: 'x' is not of type 'number'"]
    assert "Traceback" not in result.stderr


def minimal_config() -> dict:
    """Only the required keys: every other value is the schema's default."""
    return {
        "run": ["demo"],
        "benchmarks": {"demo": {"adapter": "demo"}},
        "routers": {"knn": {"type": "knn"}},
        "splits": ["standard"],
    }


def test_validate_fills_every_default_the_rules_read() -> None:
    """Snakemake's `validate` (the Snakefile's) fills the schema's defaults into absent sections, so the
    rules read `config[...]` without a fallback of their own."""
    config = minimal_config()
    validate(config, str(SCHEMA))
    assert config["dedup"]["delta"] == [0.999] and config["dedup"]["reduced_delta"] == 0.999
    assert config["prune"] == {"lambda": [0.5], "target": [0.73], "binarise_threshold": 0.5, "protect": []}
    assert config["pseudo"]["boost"] == [0.25] and config["pseudo"]["cost_sweep"] == []
    assert config["evaluation"]["bootstrap_resamples"] == 10000 and config["evaluation"]["budgets"] == "model_costs"
    assert config["embed"]["cache_dir"] == "resources/embed_cache" and config["embed"]["long_prompts"] == "truncate"
    assert config["categories"]["drop_similarity"] == 0.95 and config["specialist"]["thresholds"] == [0.0, 0.05]
    demo = config["benchmarks"]["demo"]
    assert demo["cost_types"] == "auto" and demo["ood_groups"] == "auto" and demo["generalist"] is None
    # a value the config sets is kept
    config = minimal_config() | {"dedup": {"delta": [0.9]}}
    validate(config, str(SCHEMA))
    assert config["dedup"] == {"delta": [0.9], "reduced_delta": 0.999, "soft_labels": "binarise",
                               "binarise_threshold": 0.5, "label_tolerance": 0.05}


def test_pseudo_options_defaults_are_the_schema_defaults() -> None:
    """The library's PseudoOptions and config/schema.yaml's `pseudo` section default alike."""
    config = minimal_config()
    validate(config, str(SCHEMA))
    defaults = asdict(PseudoOptions())
    assert {key: config["pseudo"][key] for key in defaults if key != "boost"} == {
        key: value for key, value in defaults.items() if key != "boost"
    }
    assert config["pseudo"]["boost"][0] == defaults["boost"]


def test_health_thresholds_defaults_are_the_schema_and_config_defaults() -> None:
    """routerbench_plus.health.HealthThresholds, config/schema.yaml's `health` and config/config.yaml's agree."""
    from routerbench_plus.health import HealthThresholds

    config = minimal_config()
    validate(config, str(SCHEMA))
    assert config["health"] == asdict(HealthThresholds())
    assert load("config/config.yaml")["health"] == asdict(HealthThresholds())
