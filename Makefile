# Two commands on a fresh machine: `make run` (the main job on the built-in default) and `make test`.
PY := .venv/bin/python

.PHONY: setup run test check lint bench-setup
setup:
	@bash scripts/setup.sh

# the geometry generator on its built-in default (40,000 unique theorems; 24 minutes from a
# clean clone on 2 cores, setup included);
# a second `make run` resumes the same run directory
run: setup
	$(PY) -m generate.geometry --out runs/geometry --workers 2

test: setup
	$(PY) -m pytest -n 2

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: lint test

bench-setup:
	@EXTRAS=dev,bench bash scripts/setup.sh
