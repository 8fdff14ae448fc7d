"""Rule embed: prompts -> L2-normalised embeddings (I/O only; logic in routerbench_plus.embed)."""

from routerbench_plus import embed, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    params = snakemake.params  # noqa: F821
    options = dict(params.embed)  # config `embed` (without long_prompts when it is `truncate`)
    queries = io.read(snakemake.input.queries, ["query_id", "prompt"])  # noqa: F821
    embed.check_prompts(queries, where=str(snakemake.input.queries))  # noqa: F821 (fails before the encoder loads)
    encoder = embed.load_encoder(params.encoder, encoders_dir=params.encoders_dir)
    embeddings = embed.embed_queries(
        queries,
        encoder,
        batch_size=options["batch_size"],
        sort_by_length=options["sort_by_length"],
        max_seq_length=options["max_seq_length"],
        cache_dir=params.cache_dir,
        threads=snakemake.threads,  # noqa: F821
        backend=options["backend"],
        long_prompts=options.get("long_prompts", "truncate"),
    )
    io.write_embeddings(
        embeddings,
        snakemake.output.embeddings,  # noqa: F821
        provenance=io.make_provenance({"encoder": params.encoder, "embed": options}, [snakemake.input.queries]),  # noqa: F821
    )
