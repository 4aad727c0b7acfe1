# Two commands: `make run` (the service) and `make test` (the test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench fuzz clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	exec $(BIN)/sspkg run

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz.py

bench: $(STAMP)
	$(BIN)/python bench/store.py
	$(BIN)/python bench/fixity.py
	$(BIN)/python bench/download.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/chaos.py

clean:
	rm -rf $(VENV) var build *.egg-info
