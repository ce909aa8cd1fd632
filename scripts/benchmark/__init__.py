"""Benchmarks run by ``scripts/bench``: annoledger beside its peers, one run, one table."""
