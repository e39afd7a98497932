"""The regression gate and the reproducibility check."""
