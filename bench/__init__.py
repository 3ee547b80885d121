"""Steward's benchmarks: `python -m bench` prints one table and exits 1 on a missed target."""
