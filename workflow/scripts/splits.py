"""Rule splits: one experiment split of a benchmark (I/O only; logic in routerbench_plus.splits)."""

from routerbench_plus import splits, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    reduced = store.read(inp.reduced, ["query_id"]) if inp.get("reduced") else None
    redundant = store.read(inp.redundant, ["category", "dropped"]) if inp.get("redundant") else None
    contamination = store.read(inp.contamination, ["dup_query_id"]) if inp.get("contamination") else None
    kept = store.read(inp.kept, ["model"]) if inp.get("kept") else None
    split, counts = splits.make_split(
        wc.split,
        bench,
        reduced_queries=reduced,
        redundant=redundant,
        contamination=contamination,
        kept_models=kept,
        ood_groups=params.ood_groups,
        ood_key=params.ood_key,
        seed=params.seed,
        benchmark=wc.benchmark,
        ood_share=params.ood_auto["share"],
        ood_seed=params.ood_auto["seed"],
    )
    log.info("split %s of %s:\n%s", wc.split, wc.benchmark, counts.to_string(index=False))
    auto = params.ood_groups == "auto"  # ood_groups: auto -> its share and seed make the split too
    provenance = store.make_provenance(
        {"split": wc.split, "ood_groups": params.ood_groups if auto else dict(params.ood_groups), "seed": params.seed}
        | ({"ood_auto": dict(params.ood_auto)} if auto else {}),
        list(inp), params.seed,
    )
    store.write_benchmark(split, out.queries, out.models, out.labels, provenance)
    store.write(counts, out.summary, provenance)
