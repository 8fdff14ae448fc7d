"""Rule ingest: source files -> canonical queries/models/labels + ingest report (I/O only)."""
from routerbench_plus import ingest, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    params = {
        "adapter": snakemake.params.adapter,
        "options": dict(snakemake.params.options),
        "nan_labels": snakemake.params.nan_labels,
        "split": dict(snakemake.params.split),
        "conflicts": snakemake.params.conflicts,
        "blank_prompts": snakemake.params.blank_prompts,
    }
    result = ingest.ingest(
        params["adapter"],
        snakemake.input.source,
        params["options"],
        params["nan_labels"],
        params["split"],
        name=snakemake.wildcards.benchmark,
        conflicts=params["conflicts"],
        blank_prompts=params["blank_prompts"],
    )
    tables = [snakemake.input.models_table] if snakemake.input.models_table else []
    provenance = store.make_provenance(params, inputs=tables, seed=params["split"].get("seed"))
    provenance["inputs"].update({f"{name}:source": digest for name, digest in sorted(result.files.items())})
    out = snakemake.output
    store.write_benchmark(result.benchmark, out.queries, out.models, out.labels, provenance=provenance)
    store.write(result.report, out.report, provenance=provenance)
