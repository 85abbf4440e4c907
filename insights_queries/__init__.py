"""Layer 2: Logs Insights query model, generated query definitions and the local query engine."""
