# The two commands of the README, plus the benchmarks. Each installs what it needs.
.PHONY: demo test bench lint

demo:
	@scripts/run scripts/demo

test:
	@scripts/run scripts/test-suite

bench:
	@scripts/run python -m bench
