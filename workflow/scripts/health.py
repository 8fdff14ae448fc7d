"""Rule health: one benchmark's health card and the study's claims re-tested (logic in routerbench_plus.health)."""

from routerbench_plus import health, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    tables = {name: store.read(path) for name, path in inp.items()}
    sources = health.HealthSources(wc.benchmark, tables, dict(params.missing), **dict(params.routers))
    card, claims = health.assess(sources, health.HealthThresholds.from_config(params.thresholds))
    log.info("health card of %s:\n%s", wc.benchmark, card[["finding", "display", "status"]].to_string(index=False))
    log.info("claims on %s:\n%s", wc.benchmark, claims[["claim", "verdict", "reason"]].to_string(index=False))
    settings = {"missing": dict(params.missing), "routers": dict(params.routers), "thresholds": dict(params.thresholds)}
    provenance = store.make_provenance(settings, list(inp))
    store.write(card, out.card, provenance)
    store.write(claims, out.claims, provenance)
    health.write_page(health.cards_html(card, f"{wc.benchmark}: benchmark health card"), out.card_html)
    health.write_page(health.claims_html(claims, f"{wc.benchmark}: the study's claims re-tested"), out.claims_html)
