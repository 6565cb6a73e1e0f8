"""Benchmarks at the programme's size: `make bench` (see bench/run.py)."""
