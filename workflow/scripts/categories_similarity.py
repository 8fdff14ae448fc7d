"""Rule categories_similarity: mean-embedding similarity and redundant categories (logic in
routerbench_plus.categories)."""

from routerbench_plus import categories, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    queries = store.normalise_queries(store.read(inp.queries, ["query_id", "category", "split"]), str(inp.queries))
    emb = store.read_embeddings(inp.embeddings)
    similarity = categories.category_similarity(emb, queries, benchmark=wc.benchmark)
    redundant = categories.redundant_categories(similarity, params.drop_similarity)
    log.info(
        "%s: %d categories; %d above cosine %s, %d dropped:\n%s",
        wc.benchmark, similarity["category_a"].nunique(), len(redundant), params.drop_similarity,
        int(redundant["dropped"].sum()), redundant.to_string(index=False),
    )
    provenance = store.make_provenance({"drop_similarity": params.drop_similarity}, list(inp))
    store.write(similarity, out.similarity, provenance)
    store.write(redundant, out.redundant, provenance)
