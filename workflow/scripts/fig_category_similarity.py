"""Figure: clustered heatmap of the cosine similarity between category mean embeddings."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    figures.save(figures.plot_category_similarity(io.read(inp.similarity)), out.png, out.pdf)
