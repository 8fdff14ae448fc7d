# RouterBench+: audit, remaster and re-evaluate LLM-routing benchmarks.
# `snakemake --cores 8` regenerates every table and figure for the benchmarks in config.
# One rule file per stage (docs/architecture.md maps each to its library module, test and figures).
import sys

from snakemake.utils import min_version, validate

from routerbench_plus.config import check_config
from routerbench_plus.errors import ConfigError
from routerbench_plus.pseudo_specialists import check_options as check_pseudo_options
from routerbench_plus.routers import check_routers

min_version("9.0")


configfile: "config/config.yaml"


try:  # one line naming the config key, instead of a schema dump
    check_config(config, workflow.source_path("config/schema.yaml"))
    check_routers(config, [workflow.basedir])  # user routers ('module:Class') must import
    check_pseudo_options(config.get("pseudo", {}))  # a removed key names its replacement
except ConfigError as error:
    sys.exit(f"RouterBench+ config error: {error}")
validate(config, schema="config/schema.yaml")  # fills every default of the schema into config


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/ingest.smk"
include: "rules/demo.smk"
include: "rules/embed.smk"
include: "rules/near_duplicates.smk"
include: "rules/categories.smk"
include: "rules/specialist_score.smk"
include: "rules/dominance.smk"
include: "rules/prune.smk"
include: "rules/pseudo_specialists.smk"
include: "rules/remaster.smk"
include: "rules/splits.smk"
include: "rules/routers.smk"
include: "rules/deferral.smk"
include: "rules/tradeoff.smk"
include: "rules/compare.smk"
include: "rules/ood.smk"
include: "rules/agreement.smk"
include: "rules/sweeps.smk"
include: "rules/health.smk"


rule all:
    """Every table and figure of every configured benchmark."""
    input:
        all_targets(),
    default_target: True
