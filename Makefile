# `make run` and `make test` set everything up on their own (venv, Python packages, Debian packages).
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.bandmate-installed
STRICT := $(if $(CI),1,0)

.PHONY: run test bench lint system corpora clean

$(STAMP): pyproject.toml models/_lstm_kernel.c
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test,link]'
	touch $(STAMP)

system:
	STRICT=$(STRICT) bash scripts/setup_system.sh

run: system $(STAMP)
	$(PY) main.py

test: system $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

bench: system $(STAMP)
	$(PY) -m pip install -q -e '.[test,link,bench]'  # the bench extra: the peer plot, the fuzz section's symusic
	$(PY) -m benchmarks.run

# The training corpora (scripts/corpus): pinned Debian packages (mma's grooves, the Freedoom WADs) and the
# music21 extra, then every corpus into $$BANDMATE_CACHE_DIR/corpora (about half an hour on 2 cores).
CORPUS_DEBS := mma=21.09-1 freedoom=0.12.1-2 freedm=0.12.1-2
corpora: system $(STAMP)
	@[ "$$(dpkg-query -W -f='$${Status}\n' mma freedoom freedm 2>/dev/null | grep -c 'ok installed')" = 3 ] || { [ "$$(id -u)" = 0 ] \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	     --no-install-recommends $(CORPUS_DEBS) >/dev/null; } \
	  || { echo "make corpora: run  sudo apt-get install $(CORPUS_DEBS)" >&2; exit 1; }
	$(PY) -m pip install -q -e '.[test,corpus]'
	$(PY) -m scripts.corpus build

lint: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
