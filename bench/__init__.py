"""promoflow's benchmark ladder (`make bench` = `python -m bench.run`). See docs/BENCHMARKS.md."""
