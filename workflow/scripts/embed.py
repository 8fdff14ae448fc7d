"""Rule embed: prompts -> L2-normalised embeddings (I/O only; logic in routerbench_plus.embed)."""

from routerbench_plus import embed, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    params = snakemake.params
    options = dict(params.embed)  # config `embed` as recorded (embed_provenance: defaults of newer keys left out)
    queries = store.read(snakemake.input.queries, ["query_id", "prompt"])
    embed.check_prompts(queries, where=str(snakemake.input.queries))
    encoder = embed.load_encoder(params.encoder, encoders_dir=params.encoders_dir, device=options.get("device", "cpu"))
    embeddings = embed.embed_queries(
        queries,
        encoder,
        batch_size=options["batch_size"],
        sort_by_length=options["sort_by_length"],
        max_seq_length=options["max_seq_length"],
        cache_dir=params.cache_dir,
        threads=snakemake.threads,
        backend=options["backend"],
        long_prompts=options.get("long_prompts", "truncate"),
        auto_min_cosine=options.get("auto_min_cosine"),
    )
    store.write_embeddings(
        embeddings,
        snakemake.output.embeddings,
        provenance=store.make_provenance({"encoder": params.encoder, "embed": options}, [snakemake.input.queries]),
    )
