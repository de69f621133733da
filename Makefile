# `make run` and `make test` set everything up on their own (venv, Python packages, Debian packages).
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.bandmate-installed
STRICT := $(if $(CI),1,0)

.PHONY: run test bench lint system clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test,link]'
	touch $(STAMP)

system:
	STRICT=$(STRICT) bash scripts/setup_system.sh

run: system $(STAMP)
	$(PY) main.py

test: system $(STAMP)
	$(PY) -m ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

bench: system $(STAMP)
	$(PY) -m benchmarks.run

lint: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
