"""Figures and report tables of the study: ``style`` (the shared look: palette, router colours and
labels, saving, HTML tables, panel grids) and one plot module per stage, named like the stage
(``deferral``, ``tradeoff``, ``near_duplicates``, ...). matplotlib and seaborn are imported only
inside this package."""
