# Tradeoff (stage 7, evaluation): binary trade-off curves of every (small, large) pair of
# benchmarks.<b>.binary_pairs on every split (APGR, CPT, paired-bootstrap intervals), also on the
# pruned pools (prune_pairs stops the run if pruning removed a pair's model); one figure per pair with a
# panel per split. Library: routerbench_plus.tradeoff.
# Its functions (input functions, outputs to register): rules/common.smk, section "tradeoff".


rule tradeoff:
    """Binary trade-off of pair {pair} (small vs large) for every router, straight line and oracle, with intervals."""
    input:
        scores=lambda w: [f"results/{w.benchmark}/routers/split~{w.split}/method~{m}/scores.parquet"
                          for m in benchmark_methods(w.benchmark)],
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        curves="results/{benchmark}/eval/split~{split}/tradeoff/pair~{pair}/curves.parquet",
        areas="results/{benchmark}/eval/split~{split}/tradeoff/pair~{pair}/areas.parquet",
        pairwise="results/{benchmark}/eval/split~{split}/tradeoff/pair~{pair}/pairwise.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        small=lambda w: pair_models(w)[0],
        large=lambda w: pair_models(w)[1],
        pair_cost=lambda w: benchmark_cost_types(w.benchmark)[0],
        config_key=lambda w: f"benchmarks.{w.benchmark}.binary_pairs.{w.pair}",
        points=config["evaluation"]["tradeoff_points"],
        tie_tolerance=config["evaluation"]["tie_tolerance"],
        **bootstrap_params(),
    log:
        "logs/{benchmark}/tradeoff/split~{split}/pair~{pair}.log",
    benchmark:
        "benchmarks/{benchmark}/tradeoff/split~{split}/pair~{pair}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/tradeoff.py"


rule tradeoff_figure:
    """Binary trade-off curves of pair {pair}, one panel per split, with the straight line and the oracle."""
    input:
        unpack(per_split_tables("tradeoff/pair~{pair}", "curves", "areas", "pairwise")),
    output:
        **fig("tradeoff/pair~{pair}", "evaluation", "Binary trade-off", "tradeoff",
              {"benchmark": "{benchmark}", "pair": "{pair}", "kind": "figure"}),
        **table("tradeoff/pair~{pair}", "evaluation", "Binary trade-off", "tradeoff_table",
                {"benchmark": "{benchmark}", "pair": "{pair}", "kind": "table"}),
    log:
        "logs/{benchmark}/tradeoff_figure/pair~{pair}.log",
    benchmark:
        "benchmarks/{benchmark}/tradeoff_figure/pair~{pair}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/tradeoff_figure.py"


register_targets(tradeoff_targets)
