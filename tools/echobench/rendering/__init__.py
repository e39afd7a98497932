"""What the suite publishes: tables, charts, the report, the claims, time series."""
