# qa — two commands do all the set-up:  `make app` (start the app) and `make test`.
# Both create .venv on first use (pip upgrade, pinned lock file, the package itself).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1
# llama-cpp-python compiles llama.cpp when it is installed. Built for this CPU (-march=native),
# it turns on Intel AMX wherever the CPU reports it, and on such a machine (a 2-core Xeon VM)
# its AMX weight repacking crashed the model at its first token (a segmentation fault). On
# x86_64 it is built for AVX2 instead, which every machine of this kind has.
# pip's wheel cache ignores CMAKE_ARGS, so a wheel built for the CPU before stays in use: the
# check below finds an AMX build after install, drops it from the cache and rebuilds (~6 min).
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
endif
LLAMA_CHECK = $(BIN)/python -c "import llama_cpp, sys; \
  sys.exit('llama.cpp was built with AMX' if b'AMX' in llama_cpp.llama_print_system_info() else 0)"

.PHONY: setup app test test-fast lint bench

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(LLAMA_CHECK) || { $(BIN)/pip cache remove llama_cpp_python || true; \
	  $(BIN)/pip install --quiet --force-reinstall --no-deps $$(grep '^llama_cpp_python==' requirements.lock); \
	  $(LLAMA_CHECK); }
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

app: setup
	$(BIN)/python app.py

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

lint: setup
	$(BIN)/ruff check qa tests app.py
	$(BIN)/mypy
