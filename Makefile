# The two commands of the README, the fast loop, plus the benchmarks and the acceptance run.
# Each installs what it needs.
.PHONY: demo test check fast-tests lint bench acceptance postgres postgres-stop

# `make demo PORT_BASE=18700` runs the demo's sandbox on 18700-18702 instead of 18600-18602.
demo:
	@scripts/run scripts/demo $(if $(PORT_BASE),--port-base $(PORT_BASE))

# `make test TEST_PORTS=30000-30999` keeps every port the tests' sandboxes use in that range.
test:
	@$(if $(TEST_PORTS),COURSEWARE_TEST_PORTS=$(TEST_PORTS) )scripts/run scripts/test-suite

# The fast loop (docs/ci.md): lint and types beside the unit and policy tests, one core
# each, each target's output printed whole; no sandbox, and no Pulumi CLI, which a fresh
# clone would otherwise build first. The environment is made first, once, so two
# bootstraps of a fresh clone do not race.
check:
	@COURSEWARE_WITHOUT_CLI=1 scripts/bootstrap
	@$(MAKE) --no-print-directory -j2 -Otarget lint fast-tests

fast-tests:
	@COURSEWARE_WITHOUT_CLI=1 scripts/run pytest -q tests/unit tests/policies

lint:
	@COURSEWARE_WITHOUT_CLI=1 scripts/run sh -c 'ruff check . && ruff format --check . && mypy'

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
