"""Rule categories_similarity_figure: figure of clustered heatmap of the cosine similarity between category mean
embeddings."""

from routerbench_plus import store
from routerbench_plus.figures import categories, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out = snakemake.input, snakemake.output
    style.save(categories.plot_category_similarity(store.read(inp.similarity)), out.png, out.pdf)
