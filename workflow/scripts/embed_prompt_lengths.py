"""Rule embed_prompt_lengths: token counts against the encoder's window (I/O only; logic in routerbench_plus.embed)."""

from routerbench_plus import embed, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    queries = store.read(inp.queries, ["query_id", "prompt"])
    embed.check_prompts(queries, where=str(inp.queries))  # fails before the encoder loads
    encoder = embed.load_encoder(params.encoder, encoders_dir=params.encoders_dir)
    lengths = embed.prompt_lengths(queries, encoder, params.max_seq_length, params.long_prompts)
    summary = embed.truncation_summary(lengths, wc.benchmark, params.encoder)
    log.info("prompt lengths of %s:\n%s", wc.benchmark, summary.T.to_string(header=False))
    provenance = store.make_provenance(
        {"encoder": params.encoder, "max_seq_length": params.max_seq_length, "long_prompts": params.long_prompts},
        [inp.queries],
    )
    store.write(lengths, out.lengths, provenance)
    store.write(summary, out.summary, provenance)
