"""Rule pseudo_specialists: select target tasks and inject pseudo-specialists (I/O only; logic in
routerbench_plus.pseudo_specialists)."""

from routerbench_plus import pseudo_specialists, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    options = dict(params.options)
    pseudo = pseudo_specialists.PseudoOptions.from_params(options)
    selection, injected = pseudo_specialists.pseudo_specialists(bench, pseudo)
    log.info("pseudo-specialist targets of %s:\n%s", wc.benchmark,
             selection[selection["selected"]].to_string(index=False))
    provenance = store.make_provenance(options, list(inp), options["seed"])
    store.write(selection, out.selection, provenance)
    store.write_benchmark(injected, out.queries, out.models, out.labels, provenance)
