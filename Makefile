# Sequences commands only; configuration lives in pyproject.toml.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: play test test-slow mutants bench lint lock clean

$(STAMP): pyproject.toml $(LOCK)
	@PYTHON=$$(tools/find_python.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev,distributed,research,rl]'
	@touch $(STAMP)

play: $(STAMP)
	$(PY) run.py play

# --dist loadscope keeps each test module on one worker, so a module's fixtures (a batch, the screenshots)
# are built once, not once per worker.
test: $(STAMP)
	$(PY) -m ruff check .
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(PY) -m pytest -n 2 --dist loadscope -q -m "not slow"

# The long statistical tests and doc-tests (marked slow); CI runs them after make test.
test-slow: $(STAMP)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(PY) -m pytest -n 2 --dist loadscope -q -m slow

# Behaviour-breaking mutations, each run against the tests that must catch it (docs/reliability.md).
mutants: $(STAMP)
	$(PY) tools/mutants.py

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy sim

# Re-resolve the newest versions that pyproject.toml allows and pin them in requirements.lock.
lock:
	@PYTHON=$$(tools/find_python.sh) || exit 1; rm -rf .lockenv; $$PYTHON -m venv .lockenv && \
	.lockenv/bin/pip install --quiet -e '.[dev,distributed,research,rl]' && \
	.lockenv/bin/pip freeze --exclude-editable | LC_ALL=C sort > $(LOCK); rm -rf .lockenv; \
	echo "wrote $(LOCK); run make test to use it"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
