"""The statistics: the one bootstrap (uncertainty) and the gate's Wilcoxon test (stats)."""
