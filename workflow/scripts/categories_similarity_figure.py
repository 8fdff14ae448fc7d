"""Rule categories_similarity_figure: figure of clustered heatmap of the cosine similarity between category mean
embeddings."""

from routerbench_plus import io
from routerbench_plus.figures import categories, style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    style.save(categories.plot_category_similarity(io.read(inp.similarity)), out.png, out.pdf)
