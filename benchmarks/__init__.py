"""Benchmarks for pde_meta (not part of the installed package)."""
