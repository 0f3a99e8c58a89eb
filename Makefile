# Neural Networks from Scratch: make lab | make test | make execute | make bench
# Everything runs in a virtual environment inside the repository (.venv), created when missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Where MNIST already lies: $NN_DATA_DIR when set, else ../shared/data/mnist when it exists;
# otherwise the loader downloads it into data/mnist/ on first use.
NN_DATA_DIR ?= $(wildcard $(abspath $(CURDIR)/../shared/data/mnist))
export NN_DATA_DIR

.PHONY: lab test execute bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), f"Python 3.10 or newer is needed, this is {sys.version.split()[0]}"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest

execute: $(STAMP)
	$(BIN)/python tools/stamp_notebooks.py
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache helpers/__pycache__ tests/__pycache__ *.egg-info
