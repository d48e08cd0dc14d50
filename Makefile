# The two commands of the README, plus the benchmarks. Each installs what it needs.
.PHONY: demo test bench lint postgres postgres-stop acceptance

# `make demo PORT_BASE=18700` runs the demo's sandbox on 18700-18702 instead of 18600-18602.
demo:
	@scripts/run scripts/demo $(if $(PORT_BASE),--port-base $(PORT_BASE))

test:
	@scripts/run scripts/test-suite

# The plot needs matplotlib, the optional `bench` group of pyproject.toml, installed on first use.
bench:
	@scripts/run sh -c 'python -c "import matplotlib" 2>/dev/null || python -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"; exec python -m bench'

# A local PostgreSQL for team state (docs/team.md): prints its connection line; stop it with postgres-stop.
postgres:
	@scripts/postgres start

postgres-stop:
	@scripts/postgres stop

# The acceptance scenarios against a real MITx Online (docs/acceptance.md); never in CI.
# `make acceptance ARGS="--only seats"`; without a target it prints what to set.
acceptance:
	@scripts/acceptance $(ARGS)
