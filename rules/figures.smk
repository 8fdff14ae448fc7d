# Figures and report tables of every stage, and the config-sweep summaries. Each rule reads only
# Parquet tables and writes results/{benchmark}/figures/...{png,pdf} and results/{benchmark}/tables/...
# {csv,html}; PNGs and HTML tables go into `snakemake --report report.html`, grouped by stage.
# A figure is registered for a benchmark exactly when the tables it plots are registered by their
# own rule file (so has_prompts, splits, binary_pairs and ood_groups are honoured without repeating them).
# Evaluation figures are one job per benchmark (x cost type / x pair) with a panel per split.
# Helpers (fig, table, per_split_tables, sweep_keys, sweep_inputs, first_boost, figure_targets) are in
# rules/common.smk.

report: "../report/workflow.rst"


FIG_RESOURCES = {"mem_mb": 2000, "runtime": 10}

# report() categories: one per stage, numbered like the study.
CAT_DEDUP = "1 Near-duplicates and categories"
CAT_SPECIALIST = "2 Task diversity"
CAT_DOMINANCE = "3 Dominance and pruning"
CAT_PSEUDO = "4 Pseudo-specialists"
CAT_REMASTER = "5 Remastered benchmark"
CAT_EVAL = "7 Evaluation"
CAT_SWEEPS = "8 Sweeps"


# --------------------------------------------------------------------------- evaluation


rule fig_deferral_curves:
    """Deferral curves ({cost} budgets), one panel per split: routers as lines, single models as points."""
    input:
        unpack(per_split_tables("cost~{cost}", "curves", "models", "bands")),
    output:
        **fig("results/{benchmark}/figures/cost~{cost}/deferral_curves", CAT_EVAL, "Deferral curves",
              "deferral_curves", {"benchmark": "{benchmark}", "cost": "{cost}"}),
    log:
        "logs/{benchmark}/fig_deferral_curves/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_deferral_curves/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_deferral_curves.py"


rule fig_areas:
    """Area and peak with bootstrap intervals on every split ({cost}): figure and table."""
    input:
        unpack(per_split_tables("cost~{cost}", "areas", "pairwise")),
    output:
        **fig("results/{benchmark}/figures/cost~{cost}/areas", CAT_EVAL, "Area and peak", "areas",
              {"benchmark": "{benchmark}", "cost": "{cost}", "kind": "figure"}),
        **table("results/{benchmark}/tables/cost~{cost}/areas", CAT_EVAL, "Area and peak", "areas_table",
                {"benchmark": "{benchmark}", "cost": "{cost}", "kind": "table"}),
    params:
        area=config.get("evaluation", {}).get("figure_area", "area"),
    log:
        "logs/{benchmark}/fig_areas/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_areas/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_areas.py"


rule fig_tradeoff:
    """Binary trade-off curves of pair {pair}, one panel per split, with the straight line and the oracle."""
    input:
        unpack(per_split_tables("tradeoff/pair~{pair}", "curves", "areas", "pairwise")),
    output:
        **fig("results/{benchmark}/figures/tradeoff/pair~{pair}", CAT_EVAL, "Binary trade-off", "tradeoff",
              {"benchmark": "{benchmark}", "pair": "{pair}", "kind": "figure"}),
        **table("results/{benchmark}/tables/tradeoff/pair~{pair}", CAT_EVAL, "Binary trade-off", "tradeoff_table",
                {"benchmark": "{benchmark}", "pair": "{pair}", "kind": "table"}),
    wildcard_constraints:
        pair=r"[A-Za-z0-9_.-]+",
    log:
        "logs/{benchmark}/fig_tradeoff/pair~{pair}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_tradeoff/pair~{pair}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_tradeoff.py"


rule fig_ood:
    """OOD quality change per router and held-out category of group {group}: heatmap and table."""
    input:
        table="results/{benchmark}/eval/ood/group~{group}.parquet",
    output:
        **fig("results/{benchmark}/figures/ood/group~{group}", CAT_EVAL, "Out of distribution", "ood",
              {"benchmark": "{benchmark}", "group": "{group}", "kind": "figure"}),
        **table("results/{benchmark}/tables/ood/group~{group}", CAT_EVAL, "Out of distribution", "ood_table",
                {"benchmark": "{benchmark}", "group": "{group}", "kind": "table"}),
    wildcard_constraints:
        group=r"[A-Za-z0-9_.-]+",
    log:
        "logs/{benchmark}/fig_ood/group~{group}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_ood/group~{group}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_ood.py"


rule fig_compare:
    """Routers trained on split {split} vs split {base} ({cost}), same test queries: changes with paired intervals."""
    input:
        table="results/{benchmark}/eval/compare/base~{base}/split~{split}/cost~{cost}.parquet",
    output:
        **fig("results/{benchmark}/figures/compare/base~{base}/split~{split}/cost~{cost}", CAT_EVAL,
              "Training splits compared", "compare",
              {"benchmark": "{benchmark}", "split": "{split}", "cost": "{cost}", "kind": "figure"}),
        **table("results/{benchmark}/tables/compare/base~{base}/split~{split}/cost~{cost}", CAT_EVAL,
                "Training splits compared", "compare_table",
                {"benchmark": "{benchmark}", "split": "{split}", "cost": "{cost}", "kind": "table"}),
    params:
        area=config.get("evaluation", {}).get("figure_area", "area"),
    wildcard_constraints:
        base=r"[A-Za-z0-9_.-]+",
    log:
        "logs/{benchmark}/fig_compare/base~{base}/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_compare/base~{base}/split~{split}/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_compare.py"


rule fig_original_vs_reduced:
    """Routers trained on original vs deduplicated data: average and peak quality (Table 1)."""
    input:
        table="results/{benchmark}/eval/original_vs_reduced.parquet",
    output:
        **fig("results/{benchmark}/figures/original_vs_reduced", CAT_DEDUP, "Original vs deduplicated",
              "original_vs_reduced", {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("results/{benchmark}/tables/original_vs_reduced", CAT_DEDUP, "Original vs deduplicated",
                "original_vs_reduced_table", {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_original_vs_reduced/fig_original_vs_reduced.log",
    benchmark:
        "benchmarks/{benchmark}/fig_original_vs_reduced/fig_original_vs_reduced.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_original_vs_reduced.py"


rule fig_agreement:
    """Agreement with the heuristic router before/after pseudo-specialists, overall and on the targets."""
    input:
        table="results/{benchmark}/eval/agreement.parquet",
        selection=lambda w: f"results/{w.benchmark}/pseudo/boost~{first_boost()}/selection.parquet",
    output:
        **fig("results/{benchmark}/figures/agreement", CAT_PSEUDO, "Agreement with the heuristic", "agreement",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("results/{benchmark}/tables/agreement", CAT_PSEUDO, "Agreement with the heuristic",
                "agreement_table", {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_agreement/fig_agreement.log",
    benchmark:
        "benchmarks/{benchmark}/fig_agreement/fig_agreement.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_agreement.py"


rule fig_catdrop:
    """Redundant categories dropped from training and tested as OOD: heatmap and table."""
    input:
        table="results/{benchmark}/eval/catdrop.parquet",
    output:
        **fig("results/{benchmark}/figures/catdrop", CAT_DEDUP, "Redundant categories held out", "catdrop",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("results/{benchmark}/tables/catdrop", CAT_DEDUP, "Redundant categories held out",
                "catdrop_table", {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_catdrop/fig_catdrop.log",
    benchmark:
        "benchmarks/{benchmark}/fig_catdrop/fig_catdrop.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_catdrop.py"


rule fig_train_fraction:
    """Quality of routers retrained on a share of each category's training queries, per share."""
    input:
        table="results/{benchmark}/eval/train_fraction.parquet",
    output:
        **fig("results/{benchmark}/figures/train_fraction", CAT_DEDUP, "Training share per category",
              "train_fraction", {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("results/{benchmark}/tables/train_fraction", CAT_DEDUP, "Training share per category",
                "train_fraction_table", {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_train_fraction/fig_train_fraction.log",
    benchmark:
        "benchmarks/{benchmark}/fig_train_fraction/fig_train_fraction.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_train_fraction.py"


# --------------------------------------------------------------------------- audit


rule fig_duplicate_groups:
    """Near-duplicate group sizes at cosine >= {delta}, and the duplicate-group summary table."""
    input:
        groups="results/{benchmark}/dedup/delta~{delta}/groups.parquet",
        summary="results/{benchmark}/dedup/delta~{delta}/summary.parquet",
    output:
        **fig("results/{benchmark}/figures/dedup/delta~{delta}/group_sizes", CAT_DEDUP, "Duplicate groups",
              "duplicate_groups", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "figure"}),
        **table("results/{benchmark}/tables/dedup/delta~{delta}/summary", CAT_DEDUP, "Duplicate groups",
                "duplicate_summary", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_duplicate_groups/delta~{delta}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_duplicate_groups/delta~{delta}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_duplicate_groups.py"


rule fig_contamination:
    """Cross-split contamination at cosine >= {delta}: shares of test queries per category and label agreement."""
    input:
        summary="results/{benchmark}/dedup/delta~{delta}/contamination_summary.parquet",
    output:
        **fig("results/{benchmark}/figures/dedup/delta~{delta}/contamination", CAT_DEDUP, "Contamination",
              "contamination", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "figure"}),
        **table("results/{benchmark}/tables/dedup/delta~{delta}/contamination", CAT_DEDUP, "Contamination",
                "contamination_table", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_contamination/delta~{delta}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_contamination/delta~{delta}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_contamination.py"


rule table_truncation:
    """Share of prompts longer than the encoder's window, as a report table."""
    input:
        table="results/{benchmark}/embed/truncation_summary.parquet",
    output:
        **table("results/{benchmark}/tables/embed/truncation", CAT_DEDUP, "Prompt truncation", "truncation_table",
                {"benchmark": "{benchmark}"}),
    params:
        title=lambda w: f"{w.benchmark}: prompts longer than the encoder's window",
        note="Tokens counted with the encoder's tokenizer (special tokens included); truncated: more tokens than "
        "max_seq_length. long_prompts: what the embedding does with them (embed.long_prompts).",
    log:
        "logs/{benchmark}/table_truncation/table_truncation.log",
    benchmark:
        "benchmarks/{benchmark}/table_truncation/table_truncation.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_table.py"


rule fig_category_similarity:
    """Clustered heatmap of the cosine similarity between category mean embeddings."""
    input:
        similarity="results/{benchmark}/categories/similarity.parquet",
    output:
        **fig("results/{benchmark}/figures/category_similarity", CAT_DEDUP, "Category similarity",
              "category_similarity", {"benchmark": "{benchmark}"}),
    log:
        "logs/{benchmark}/fig_category_similarity/fig_category_similarity.log",
    benchmark:
        "benchmarks/{benchmark}/fig_category_similarity/fig_category_similarity.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_category_similarity.py"


rule fig_specialist_scores:
    """Specialist score per task (sorted, thresholds marked) and the number of tasks per bin."""
    input:
        scores="results/{benchmark}/specialist/scores.parquet",
        counts="results/{benchmark}/specialist/counts.parquet",
    output:
        **fig("results/{benchmark}/figures/specialist_scores", CAT_SPECIALIST, "Specialist score",
              "specialist_scores", {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("results/{benchmark}/tables/specialist_counts", CAT_SPECIALIST, "Specialist score",
                "specialist_counts", {"benchmark": "{benchmark}", "kind": "table"}),
    params:
        thresholds=config.get("specialist", {}).get("thresholds", [0.0, 0.05]),
    log:
        "logs/{benchmark}/fig_specialist_scores/fig_specialist_scores.log",
    benchmark:
        "benchmarks/{benchmark}/fig_specialist_scores/fig_specialist_scores.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_specialist_scores.py"


rule fig_average_rank:
    """The top-k models by average rank over tasks: bar chart and the full table."""
    input:
        avg_rank="results/{benchmark}/dominance/avg_rank.parquet",
    output:
        **fig("results/{benchmark}/figures/average_rank", CAT_DOMINANCE, "Average rank", "average_rank",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("results/{benchmark}/tables/average_rank", CAT_DOMINANCE, "Average rank", "average_rank_table",
                {"benchmark": "{benchmark}", "kind": "table"}),
    params:
        top_k=config.get("dominance", {}).get("top_k", 10),
    log:
        "logs/{benchmark}/fig_average_rank/fig_average_rank.log",
    benchmark:
        "benchmarks/{benchmark}/fig_average_rank/fig_average_rank.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_average_rank.py"


rule fig_pruning:
    """Greedy pruning (lambda {lam}, target {target}): pool size vs oracle/heuristic routing area, removal order."""
    input:
        steps="results/{benchmark}/prune/lambda~{lam}/target~{target}/steps.parquet",
        curve="results/{benchmark}/prune/lambda~{lam}/target~{target}/curve.parquet",
    output:
        **fig("results/{benchmark}/figures/prune/lambda~{lam}/target~{target}/pruning", CAT_DOMINANCE,
              "Pruning", "pruning", {"benchmark": "{benchmark}", "lambda": "{lam}", "target": "{target}"}),
    log:
        "logs/{benchmark}/fig_pruning/lambda~{lam}_target~{target}.log",
    benchmark:
        "benchmarks/{benchmark}/fig_pruning/lambda~{lam}_target~{target}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_pruning.py"


rule table_pseudo_selection:
    """Pseudo-specialist target selection at boost {boost} as a report table."""
    input:
        table="results/{benchmark}/pseudo/boost~{boost}/selection.parquet",
    output:
        **table("results/{benchmark}/tables/pseudo/boost~{boost}/selection", CAT_PSEUDO, "Target selection",
                "pseudo_selection", {"benchmark": "{benchmark}", "boost": "{boost}"}),
    params:
        title=lambda w: f"{w.benchmark}: pseudo-specialist targets (boost {w.boost})",
        note="Hard (low mean accuracy), non-dominated (small best-minus-mean gap), not tiny (share of prompts) tasks; "
        "selected tasks get a pseudo-specialist with accuracy best + boost.",
    log:
        "logs/{benchmark}/table_pseudo_selection/boost~{boost}.log",
    benchmark:
        "benchmarks/{benchmark}/table_pseudo_selection/boost~{boost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_table.py"


rule table_remaster_summary:
    """The remastered benchmark's step-by-step summary as a report table."""
    input:
        table="results/{benchmark}/remaster/summary.parquet",
    output:
        **table("results/{benchmark}/tables/remaster/summary", CAT_REMASTER, "Summary", "remaster_summary",
                {"benchmark": "{benchmark}"}),
    params:
        title=lambda w: f"{w.benchmark}: remastered benchmark, step by step",
        note="Queries, categories, models and labels after each remastering step; study_n_*: the study's counts "
        "(config benchmarks.<b>.study_reference) where it states them.",
    log:
        "logs/{benchmark}/table_remaster_summary/table_remaster_summary.log",
    benchmark:
        "benchmarks/{benchmark}/table_remaster_summary/table_remaster_summary.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_table.py"


# --------------------------------------------------------------------------- sweeps


rule sweep_summary:
    """Sweep over {param}: one row per configured value (gathered from the per-value outputs) and a figure."""
    input:
        unpack(sweep_inputs),
    output:
        table="results/{benchmark}/sweeps/{param}.parquet",
        **fig("results/{benchmark}/figures/sweeps/{param}", CAT_SWEEPS, "{param}", "sweep",
              {"benchmark": "{benchmark}", "param": "{param}", "kind": "figure"}),
        **table("results/{benchmark}/tables/sweeps/{param}", CAT_SWEEPS, "{param}", "sweep_table",
                {"benchmark": "{benchmark}", "param": "{param}", "kind": "table"}),
    params:
        swept=lambda w: sweep_keys(w.benchmark, w.param),
    wildcard_constraints:
        param=r"delta|prune|boost",
    log:
        "logs/{benchmark}/sweep_summary/{param}.log",
    benchmark:
        "benchmarks/{benchmark}/sweep_summary/{param}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/sweep_summary.py"


rule fig_pseudo_cost_sweep:
    """Sweep over pseudo.cost: the sweep routers' areas and agreement with the heuristic against the pseudo models' cost."""
    input:
        table="results/{benchmark}/sweeps/pseudo_cost.parquet",
    output:
        **fig("results/{benchmark}/figures/sweeps/pseudo_cost", CAT_SWEEPS, "pseudo_cost", "pseudo_cost",
              {"benchmark": "{benchmark}", "param": "pseudo_cost", "kind": "figure"}),
        **table("results/{benchmark}/tables/sweeps/pseudo_cost", CAT_SWEEPS, "pseudo_cost", "pseudo_cost_table",
                {"benchmark": "{benchmark}", "param": "pseudo_cost", "kind": "table"}),
    log:
        "logs/{benchmark}/fig_pseudo_cost_sweep/fig_pseudo_cost_sweep.log",
    benchmark:
        "benchmarks/{benchmark}/fig_pseudo_cost_sweep/fig_pseudo_cost_sweep.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/fig_pseudo_cost_sweep.py"


# --------------------------------------------------------------------------- targets

register_targets(figure_targets)
