"""Benchmarks of Do Better: `python -m bench` (100,000 decisions) or `python -m bench --full`.

Each benchmark module in `bench.__main__.BENCHMARKS` measures its figures beside floors taken
in the same run and writes its own marked section of docs/benchmarks.md.
"""
