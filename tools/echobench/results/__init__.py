"""echo-bench's JSON and the results CSV read back: runs, cases, models, load hosts, one echo-bench run."""
