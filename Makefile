# Neural Networks from Scratch: make lab | make test | make execute | make bench
#                               make handout | make site | make present NB=04
# Everything runs in virtual environments inside the repository, created when missing:
#   .venv        the course with the newest releases (JupyterLab, test tools, Playwright, Voilà)
#   .venv-colab  the course with the package versions of Google Colab (constraints/colab.txt) on Colab's
#                Python (3.13) when this machine has it, for `make test`
# Editions built from the notebooks go to build/ (ignored by git): build/handout, build/site.

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
VENV_COLAB  ?= .venv-colab
COLAB_BIN   := $(VENV_COLAB)/bin
COLAB_STAMP := $(VENV_COLAB)/.installed
# Colab's Python (see constraints/colab.txt): python3.13 on the PATH, or a pyenv-installed 3.13;
# otherwise $(PYTHON), and `make test` says so.
COLAB_PYTHON_VERSION := 3.13
comma := ,
ifeq ($(origin COLAB_PYTHON),undefined)
COLAB_PYTHON := $(shell for p in python$(COLAB_PYTHON_VERSION) $$HOME/.pyenv/versions/$(COLAB_PYTHON_VERSION)*/bin/python$(COLAB_PYTHON_VERSION) /usr/local/bin/python$(COLAB_PYTHON_VERSION) /usr/bin/python$(COLAB_PYTHON_VERSION); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == ($(subst .,$(comma) ,$(COLAB_PYTHON_VERSION)))' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
endif

# Where MNIST already lies: $NN_DATA_DIR when set, else ../shared/data/mnist when it exists;
# otherwise the loader downloads it into data/mnist/ on first use.
NN_DATA_DIR ?= $(wildcard $(abspath $(CURDIR)/../shared/data/mnist))
export NN_DATA_DIR
# ipykernel 6.17 (Colab's) warns about frozen modules at every kernel start; the warning is harmless.
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: lab test test-main test-colab execute stamp bench handout site present venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), f"Python 3.10 or newer is needed, this is {sys.version.split()[0]}"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test,browser,present]"
	@touch $(STAMP)

$(COLAB_STAMP): pyproject.toml constraints/colab.txt
	@py="$(or $(COLAB_PYTHON),$(PYTHON))"; \
	if [ -x $(COLAB_BIN)/python ] && [ "$$($(COLAB_BIN)/python -c 'import sys; print(sys.version.split()[0])')" != "$$($$py -c 'import sys; print(sys.version.split()[0])')" ]; then \
		echo "$(VENV_COLAB) was made with another Python: making it again"; rm -rf $(VENV_COLAB); fi; \
	test -x $(COLAB_BIN)/python || $$py -m venv $(VENV_COLAB)
	$(COLAB_BIN)/python -m pip install --quiet --upgrade pip
	$(COLAB_BIN)/python -m pip install --quiet -c constraints/colab.txt -e ".[test]"
	@touch $(COLAB_STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# The whole test suite: first with Colab's versions, then with the newest ones (ending with pytest's summary).
test: test-colab test-main

test-colab: $(COLAB_STAMP)
	@echo "== Colab's versions ($(VENV_COLAB), constraints/colab.txt) on Python $$($(COLAB_BIN)/python -c 'import sys; print(sys.version.split()[0])') ($$(readlink -f $(COLAB_BIN)/python))"
	@$(if $(COLAB_PYTHON),,echo "   (Python $(COLAB_PYTHON_VERSION), Colab's, was not found on this machine: using $(PYTHON) instead)")
	@echo "   helpers' tests, the setup cell, and the hand-out edition: every notebook without its solutions, top to bottom"
	$(COLAB_BIN)/python -m pytest tests --ignore=tests/test_browser.py --ignore=tests/test_browser_exercise.py \
		--ignore=tests/test_browser_present.py --ignore=tests/test_site.py

test-main: $(STAMP)
	@echo "== Newest releases ($(VENV), Python $$($(BIN)/python -c 'import sys; print(sys.version.split()[0])')): helpers' tests, every notebook through nbval, the reading edition, the sliders, an exercise and presentation mode in a real browser"
	$(BIN)/python -m pytest --deselect tests/test_handout.py::test_every_handout_notebook_runs_top_to_bottom

# Re-run every notebook and store its outputs, then stamp the measured run times into notebooks and README.
execute: $(STAMP)
	$(BIN)/python tools/stamp_notebooks.py
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/python tools/stamp_notebooks.py

stamp: $(STAMP)
	$(BIN)/python tools/stamp_notebooks.py

bench: $(STAMP)
	@for b in benchmarks/slider_*.py benchmarks/cnn_epoch.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The hand-out edition: every notebook without its solution cells (for graded assignments).
handout: $(STAMP)
	$(BIN)/python tools/handout.py build/handout

# The reading edition: static HTML pages with the stored outputs, typeset math and saved slider panels,
# working offline (MathJax and the widget manager are fetched from npm once, into build/npm-cache).
site: $(STAMP)
	$(BIN)/python tools/build_site.py build/site
	@echo "open build/site/index.html"

# Presentation mode for a projector: one notebook as an app (Voilà), code, setup, exercises and graders
# hidden, sliders live, figures projector-sized. NB=04 picks notebooks/04_*.ipynb.
NB ?= 01
PORT ?= 8866
present: $(STAMP)
	$(BIN)/python tools/present.py build/present $(NB)
	NN_PROJECTOR=1 $(BIN)/voila build/present/$(notdir $(wildcard notebooks/$(NB)_*.ipynb)) --port=$(PORT) \
		--strip_sources=True --theme=light

clean:
	rm -rf $(VENV) $(VENV_COLAB) .pytest_cache test-artifacts build *.egg-info
