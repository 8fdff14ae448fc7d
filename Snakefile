# RouterBench+: audit, remaster and re-evaluate LLM-routing benchmarks.
# `snakemake --cores 8` regenerates every table and figure for the benchmarks in config.
import sys

from snakemake.utils import min_version, validate

from routerbench_plus.config import check_config, check_routers
from routerbench_plus.errors import ConfigError

min_version("9.0")


configfile: "config/config.yaml"


try:  # one line naming the config key, instead of a schema dump
    check_config(config, workflow.source_path("config/schema.yaml"))
    check_routers(config, [workflow.basedir])  # user routers ('module:Class') must import
except ConfigError as error:
    sys.exit(f"RouterBench+ config error: {error}")
validate(config, schema="config/schema.yaml")


include: "rules/common.smk"
include: "rules/ingest.smk"
include: "rules/demo.smk"
include: "rules/embed.smk"
include: "rules/near_duplicates.smk"
include: "rules/categories.smk"
include: "rules/specialist_score.smk"
include: "rules/dominance.smk"
include: "rules/prune_models.smk"
include: "rules/pseudo_specialists.smk"
include: "rules/remaster.smk"
include: "rules/splits.smk"
include: "rules/routers.smk"
include: "rules/evaluation.smk"
include: "rules/category_experiments.smk"
include: "rules/figures.smk"


rule all:
    """Every table and figure of every configured benchmark."""
    input:
        all_targets(),
    default_target: True
