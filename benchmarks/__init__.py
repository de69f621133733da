"""Benchmarks behind `make bench`; they rewrite BENCHMARKS.md."""
