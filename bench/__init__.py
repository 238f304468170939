"""Benchmarks (issue 6, item 6): `make bench`. Not part of the test suite; see bench/README.md."""
