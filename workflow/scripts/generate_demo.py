"""Rule generate_demo: seeded demo benchmark + planted truth (I/O only; logic in routerbench_plus.demo)."""

from routerbench_plus import demo, io

with io.rule_logging(snakemake.log[0], snakemake.output):
    options = dict(snakemake.params.demo)
    split = dict(snakemake.params.split)
    generated = demo.generate(
        **options,
        val_fraction=split["val_fraction"],
        test_fraction=split["test_fraction"],
        split_seed=split["seed"],
    )
    provenance = io.make_provenance({"demo": options, "split": split}, [], options.get("seed", demo.DEFAULT_SEED))
    out = snakemake.output
    io.write_benchmark(generated.benchmark, out.queries, out.models, out.labels, provenance)
    io.write(demo.ingest_report(generated), out.report, provenance)
    for name, table in generated.truth.items():
        io.write(table, out[name], provenance)
