# Health (stage 0 of the report, computed last): per benchmark, the health card (one line per audit
# finding, red or green by config `health`) and the study's claims re-tested (effect, paired
# interval, verdict) from the tables the run already wrote; absent tables (no prompts, split not
# configured) make a finding n/a and a claim 'not testable here', with the reason. With several
# benchmarks in `run`, the cards and claims side by side and one comparison figure.
# Library: routerbench_plus.health (figure: routerbench_plus.figures.health).
# Its functions (input functions, outputs to register): rules/common.smk, section "health".


rule health:
    """Health card and the study's claims re-tested on {benchmark}, from the tables of its run."""
    input:
        unpack(health_inputs),
    output:
        card="results/{benchmark}/health/card.parquet",
        claims="results/{benchmark}/health/claims.parquet",
        card_html=report("results/{benchmark}/health/card.html", category=REPORT_SECTIONS["health"],
                         subcategory="{benchmark}", caption="../report/health_card.rst",
                         labels={"benchmark": "{benchmark}", "kind": "health card"}),
        claims_html=report("results/{benchmark}/health/claims.html", category=REPORT_SECTIONS["health"],
                           subcategory="{benchmark}", caption="../report/health_claims.rst",
                           labels={"benchmark": "{benchmark}", "kind": "claims"}),
    params:
        missing=lambda w: health_missing(w.benchmark),
        routers=lambda w: health_routers(w.benchmark),
        thresholds=config["health"],
    log:
        "logs/{benchmark}/health/health.log",
    benchmark:
        "benchmarks/{benchmark}/health/health.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/health.py"


rule health_compare:
    """The health cards and claims of every benchmark of `run` side by side, and the comparison figure."""
    input:
        cards=expand("results/{benchmark}/health/card.parquet", benchmark=RUN),
        claims=expand("results/{benchmark}/health/claims.parquet", benchmark=RUN),
    output:
        cards=f"{HEALTH_COMPARE}/cards.parquet",
        claims=f"{HEALTH_COMPARE}/claims.parquet",
        cards_html=report(f"{HEALTH_COMPARE}/cards.html", category=REPORT_SECTIONS["health"],
                          subcategory="All benchmarks", caption="../report/health_cards.rst",
                          labels={"benchmark": "all", "kind": "health cards"}),
        claims_html=report(f"{HEALTH_COMPARE}/claims.html", category=REPORT_SECTIONS["health"],
                           subcategory="All benchmarks", caption="../report/health_claims_all.rst",
                           labels={"benchmark": "all", "kind": "claims"}),
        png=report(f"{HEALTH_COMPARE}/figures/health.png", category=REPORT_SECTIONS["health"],
                   subcategory="All benchmarks", caption="../report/health_figure.rst",
                   labels={"benchmark": "all", "kind": "figure"}),
        pdf=f"{HEALTH_COMPARE}/figures/health.pdf",
    params:
        benchmarks=RUN,
    log:
        "logs/health_compare/health_compare.log",
    benchmark:
        "benchmarks/health_compare/health_compare.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/health_compare.py"


register_targets(health_targets)
