# The two commands a newcomer needs: `make book` and `make test`.
# Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SCENARIO ?=
EDITION ?= default
JOBS ?= 0

.PHONY: book test publish bench venv lock vendor clean lab classroom handouts

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -r requirements.lock
	# setuptools explains editable installs in a warning box on every install: information, not a problem.
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

## Execute the notebooks (papermill) and build the website into _build/html, with its handouts (printed with Chromium).
book: $(STAMP)
	$(PY) -m analysis build --jobs $(JOBS) --edition $(EDITION) $(if $(SCENARIO),--scenario $(SCENARIO))

## Print the classroom handouts (worksheets, answer keys, the claims ledger; A4 and US Letter) into _build/handouts.
handouts: $(STAMP)
	$(PY) -m analysis handouts $(if $(SCENARIO),--scenario $(SCENARIO))

## Pre-build the student edition once per classroom experiment that has no slider (see book/teachers.md).
classroom: $(STAMP)
	$(PY) -m analysis.build.editions --edition student

## Open the notebooks in JupyterLab (runs at http://localhost:8888; Ctrl-C to stop). See README, "Working in JupyterLab".
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=. book/training_compute.ipynb

## Run every test: units, data validation, notebooks through papermill, the book build.
test: $(STAMP)
	$(PY) -m pytest -n auto

## Package the built edition as one archive for any static host: _build/site.tar.gz (site-student.tar.gz, ...).
publish: book
	$(PY) -m analysis publish --edition $(EDITION) $(if $(SCENARIO),--scenario $(SCENARIO))

## Time the pipeline against plain Jupyter Book and papermill (about 4 minutes on 2 cores); see benchmarks/README.md.
bench: $(STAMP)
	$(PY) benchmarks/run.py

## Re-pin every dependency after editing pyproject.toml.
lock:
	rm -rf _build/lock-venv
	$(PYTHON) -m venv _build/lock-venv
	_build/lock-venv/bin/python -m pip install --quiet --upgrade "pip==26.3"
	_build/lock-venv/bin/python -m pip install --quiet "setuptools==84.2.1" ".[test]"
	_build/lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v -e '^analysis' -e '^pip==' > requirements.lock
	rm -rf _build/lock-venv

## Refresh the vendored Vega bundle (needs npm) after an Altair upgrade.
vendor: $(STAMP)
	$(PY) -m analysis.build.vendor

clean:
	rm -rf _build
