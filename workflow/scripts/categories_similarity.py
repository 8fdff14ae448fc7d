"""Rule categories_similarity: mean-embedding similarity and redundant categories (logic in
routerbench_plus.categories)."""

from routerbench_plus import categories, io

with io.rule_logging(snakemake.log[0], snakemake.output) as log:  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    queries = io.normalise_queries(io.read(inp.queries, ["query_id", "category", "split"]), str(inp.queries))
    emb = io.read_embeddings(inp.embeddings)
    similarity = categories.category_similarity(emb, queries, benchmark=wc.benchmark)
    redundant = categories.redundant_categories(similarity, params.drop_similarity)
    log.info(
        "%s: %d categories; %d above cosine %s, %d dropped:\n%s",
        wc.benchmark, similarity["category_a"].nunique(), len(redundant), params.drop_similarity,
        int(redundant["dropped"].sum()), redundant.to_string(index=False),
    )
    provenance = io.make_provenance({"drop_similarity": params.drop_similarity}, list(inp))
    io.write(similarity, out.similarity, provenance)
    io.write(redundant, out.redundant, provenance)
