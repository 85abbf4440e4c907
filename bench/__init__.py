"""Benchmarks (never timed tests): ``python -m bench [NAME...]`` or ``make bench``."""
