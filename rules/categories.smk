# Categories (stage 1, category redundancy): cosine similarity of mean category embeddings (the
# clustered heatmap), the categories redundant above categories.drop_similarity, and the two
# experiments evaluated with the router machinery: redundant categories dropped from training and
# tested as OOD (split catdrop), and routers retrained on a share f of each category's training
# queries (splits frac-<f>). Library: routerbench_plus.categories.
# Its functions (input functions, outputs to register): rules/common.smk, section "categories".


rule categories_similarity:
    """Cosine similarity between mean category embeddings; which near-copy categories to drop."""
    input:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
        queries="results/{benchmark}/data/queries.parquet",
    output:
        similarity="results/{benchmark}/categories/similarity.parquet",
        redundant="results/{benchmark}/categories/redundant.parquet",
    params:
        drop_similarity=catdrop_similarity(),
    wildcard_constraints:
        benchmark=alternation(prompt_benchmarks()),
    log:
        "logs/{benchmark}/categories_similarity/categories_similarity.log",
    benchmark:
        "benchmarks/{benchmark}/categories_similarity/categories_similarity.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/categories_similarity.py"


rule categories_similarity_figure:
    """Clustered heatmap of the cosine similarity between category mean embeddings."""
    input:
        similarity="results/{benchmark}/categories/similarity.parquet",
    output:
        **fig("category_similarity", "near_duplicates", "Category similarity", "category_similarity",
              {"benchmark": "{benchmark}"}),
    log:
        "logs/{benchmark}/categories_similarity_figure/categories_similarity_figure.log",
    benchmark:
        "benchmarks/{benchmark}/categories_similarity_figure/categories_similarity_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/categories_similarity_figure.py"


rule categories_catdrop:
    """Redundant categories held out of training: quality on them vs in-distribution training."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard"),
        catdrop=lambda w: eval_picks(w.benchmark, "catdrop"),
        queries="results/{benchmark}/splits/split~standard/queries.parquet",
        redundant="results/{benchmark}/categories/redundant.parquet",
    output:
        table="results/{benchmark}/eval/catdrop.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        **bootstrap_params(),
    log:
        "logs/{benchmark}/categories_catdrop/categories_catdrop.log",
    benchmark:
        "benchmarks/{benchmark}/categories_catdrop/categories_catdrop.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/categories_catdrop.py"


rule categories_catdrop_figure:
    """Redundant categories dropped from training and tested as OOD: heatmap and table."""
    input:
        table="results/{benchmark}/eval/catdrop.parquet",
    output:
        **fig("catdrop", "near_duplicates", "Redundant categories held out", "catdrop",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("catdrop", "near_duplicates", "Redundant categories held out", "catdrop_table",
                {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/categories_catdrop_figure/categories_catdrop_figure.log",
    benchmark:
        "benchmarks/{benchmark}/categories_catdrop_figure/categories_catdrop_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/categories_catdrop_figure.py"


rule categories_train_fraction:
    """Routers retrained on a share f of each category's training queries: quality per f."""
    input:
        curves=fraction_curves,
    output:
        table="results/{benchmark}/eval/train_fraction.parquet",
    params:
        fractions=lambda w: [f for f in fraction_splits(w.benchmark) for _ in benchmark_cost_types(w.benchmark)],
    log:
        "logs/{benchmark}/categories_train_fraction/categories_train_fraction.log",
    benchmark:
        "benchmarks/{benchmark}/categories_train_fraction/categories_train_fraction.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/categories_train_fraction.py"


rule categories_train_fraction_figure:
    """Quality of routers retrained on a share of each category's training queries, per share."""
    input:
        table="results/{benchmark}/eval/train_fraction.parquet",
    output:
        **fig("train_fraction", "near_duplicates", "Training share per category", "train_fraction",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("train_fraction", "near_duplicates", "Training share per category", "train_fraction_table",
                {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/categories_train_fraction_figure/categories_train_fraction_figure.log",
    benchmark:
        "benchmarks/{benchmark}/categories_train_fraction_figure/categories_train_fraction_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/categories_train_fraction_figure.py"


register_targets(categories_targets)
