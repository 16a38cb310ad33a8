"""The benchmark suite (``make bench``): hot paths against their physical baselines. See bench/run.py."""
