# Neural Networks from Scratch: make lab | make test | make execute | make bench
# Everything runs in virtual environments inside the repository, created when missing:
#   .venv        the course with the newest releases (JupyterLab, test tools, Playwright)
#   .venv-colab  the course with the package versions of Google Colab (constraints/colab.txt), for `make test`

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
VENV_COLAB  ?= .venv-colab
COLAB_BIN   := $(VENV_COLAB)/bin
COLAB_STAMP := $(VENV_COLAB)/.installed

# Where MNIST already lies: $NN_DATA_DIR when set, else ../shared/data/mnist when it exists;
# otherwise the loader downloads it into data/mnist/ on first use.
NN_DATA_DIR ?= $(wildcard $(abspath $(CURDIR)/../shared/data/mnist))
export NN_DATA_DIR
# ipykernel 6.17 (Colab's) warns about frozen modules at every kernel start; the warning is harmless.
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: lab test test-main test-colab execute bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), f"Python 3.10 or newer is needed, this is {sys.version.split()[0]}"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test,browser]"
	@touch $(STAMP)

$(COLAB_STAMP): pyproject.toml constraints/colab.txt
	@test -x $(COLAB_BIN)/python || $(PYTHON) -m venv $(VENV_COLAB)
	$(COLAB_BIN)/python -m pip install --quiet --upgrade pip
	$(COLAB_BIN)/python -m pip install --quiet -c constraints/colab.txt -e ".[test]"
	@touch $(COLAB_STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# The whole test suite: first with Colab's versions, then with the newest ones (ending with pytest's summary).
test: test-colab test-main

test-main: $(STAMP)
	@echo "== Newest releases ($(VENV)): helpers' tests, every notebook through nbval, the sliders in a real browser"
	$(BIN)/python -m pytest

test-colab: $(COLAB_STAMP)
	@echo "== Colab's versions ($(VENV_COLAB), constraints/colab.txt): helpers' tests, then every notebook run"
	$(COLAB_BIN)/python -m pytest tests --ignore=tests/test_browser.py 
	$(COLAB_BIN)/python tools/execute_notebooks.py --no-write

execute: $(STAMP)
	$(BIN)/python tools/stamp_notebooks.py
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

bench: $(STAMP)
	@for b in benchmarks/slider_*.py benchmarks/cnn_epoch.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(VENV_COLAB) .pytest_cache test-artifacts *.egg-info
