"""Tools around the assistant, not part of it: evaluation, benchmarks, the SMS cost report, the
pipeline comparison, and the harness that starts the assistant as `make run` does (for the tests
and the benchmarks). Nothing in `bot/` or `actions/` imports from here; `python -m bot` reaches
these commands lazily."""
