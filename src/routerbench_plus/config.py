"""Config validation with one readable line per problem, naming the config key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import ConfigError


def _key_path(path: Any) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "<top level>"


def describe(error: jsonschema.ValidationError) -> str:
    """'config key X: what was wrong' for one jsonschema error."""
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unexpected = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        where = _key_path(error.absolute_path)
        names = ", ".join(f"{where}.{u}" if where != "<top level>" else u for u in unexpected)
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"unknown config key {names}{hint}"
    return f"config key {_key_path(error.absolute_path)}: {error.message}"


def check_config(config: Mapping[str, Any], schema_path: str | Path) -> None:
    """Raise ConfigError listing every schema violation, each naming its config key."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError("; ".join(describe(e) for e in errors))
    benchmarks = config.get("benchmarks", {})
    unknown = [name for name in config.get("run", []) if name not in benchmarks]
    if unknown:
        raise ConfigError(f"config key run: names {unknown}, which are not under 'benchmarks' ({list(benchmarks)})")
