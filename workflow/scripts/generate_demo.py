"""Rule generate_demo: seeded demo benchmark + planted truth (I/O only; logic in routerbench_plus.demo)."""

from routerbench_plus import demo, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    options = dict(snakemake.params.demo)  # noqa: F821
    split = dict(snakemake.params.split)  # noqa: F821
    generated = demo.generate(
        **options,
        val_fraction=split.get("val_fraction", 0.1),
        test_fraction=split.get("test_fraction", 0.2),
        split_seed=split.get("seed", 0),
    )
    provenance = io.make_provenance({"demo": options, "split": split}, [], options.get("seed", 7))
    out = snakemake.output  # noqa: F821
    io.write_benchmark(generated.benchmark, out.queries, out.models, out.labels, provenance)
    io.write(demo.ingest_report(generated), out.report, provenance)
    for name, table in generated.truth.items():
        io.write(table, out[name], provenance)
