"""The statistics: the intervals (uncertainty) and the gate's Wilcoxon test (stats)."""
