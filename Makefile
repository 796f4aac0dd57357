PY ?= python
.PHONY: install format lint test test-nojit test-slow bench clean-cache
install:
	bash .ci/install
format:
	ruff format . && ruff check --fix .
lint:
	ruff check . && ruff format --check .
test:
	$(PY) -m pytest -q
test-nojit:
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -x tests/engine
test-slow:
	$(PY) -m pytest -q -m slow
bench:
	go-engine bench playouts --size 9 && go-engine bench playouts --size 19
# Frees the disk only: engine/_jit.py already recompiles every kernel after any kernel file changes
clean-cache:
	find engine -name "*.nbi" -delete -o -name "*.nbc" -delete
