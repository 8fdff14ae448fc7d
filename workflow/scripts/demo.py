"""Rule demo: seeded demo benchmark + planted truth (I/O only; logic in routerbench_plus.demo)."""

from routerbench_plus import demo, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    options = dict(snakemake.params.demo)
    split = dict(snakemake.params.split)
    generated = demo.generate(
        **options,
        val_fraction=split["val_fraction"],
        test_fraction=split["test_fraction"],
        split_seed=split["seed"],
    )
    provenance = store.make_provenance({"demo": options, "split": split}, [], options.get("seed", demo.DEFAULT_SEED))
    out = snakemake.output
    store.write_benchmark(generated.benchmark, out.queries, out.models, out.labels, provenance)
    store.write(demo.ingest_report(generated), out.report, provenance)
    for name, table in generated.truth.items():
        store.write(table, out[name], provenance)
