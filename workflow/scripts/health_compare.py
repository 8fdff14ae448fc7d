"""Rule health_compare: the health cards and claims of several benchmarks side by side, and their figure."""

from routerbench_plus import health, store
from routerbench_plus.figures import health as health_figure
from routerbench_plus.figures import style

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    cards = health.compare_cards([store.read(p) for p in inp.cards])
    claims = health.compare_cards([store.read(p) for p in inp.claims])
    log.info("status per benchmark: %s", health.status_counts(cards, claims))
    provenance = store.make_provenance({"benchmarks": list(params.benchmarks)}, list(inp))
    store.write(cards, out.cards, provenance)
    store.write(claims, out.claims, provenance)
    names = ", ".join(params.benchmarks)
    health.write_page(health.cards_html(cards, f"Benchmark health cards: {names}"), out.cards_html)
    health.write_page(health.claims_html(claims, f"The study's claims re-tested: {names}"), out.claims_html)
    style.save(health_figure.plot_health(cards, claims), out.png, out.pdf)
