# Two commands on a fresh machine: `make run` (the main job on the built-in default) and `make test`.
PY := .venv/bin/python

.PHONY: setup run test check lint bench-setup
setup:
	bash scripts/setup.sh

run: setup
	$(PY) -m deduction.solve --timeout 60 --jobs 2

test: setup
	$(PY) -m pytest -n 2

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: lint test

bench-setup:
	EXTRAS=dev,bench bash scripts/setup.sh
