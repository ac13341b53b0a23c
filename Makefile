# vidgen-edu: `make course` runs the course, `make test` runs the tests, `make lab` opens JupyterLab.
# Each target creates .venv on first use and installs the package with the tested constraints.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= auto
STAMP := $(VENV)/.installed

.PHONY: course test test-fast lab student benchmarks clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]" -c constraints.txt
	touch $(STAMP)

course: $(STAMP)  ## run every notebook; writes build/course/index.html and report.json
	$(BIN)/vidgen-edu course --profile $(PROFILE) --out build/course

test: $(STAMP)  ## library tests, notebook tests (nbval, smoke profile), browser tests
	VIDGEN_EDU_PROFILE=smoke $(BIN)/python -m pytest -q tests
	VIDGEN_EDU_PROFILE=smoke $(BIN)/python -m pytest -q --nbval-lax --nbval-current-env notebooks

lab: $(STAMP)  ## JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks

student: $(STAMP)  ## student notebooks (solutions replaced by stubs) in build/student
	$(BIN)/vidgen-edu student --out build/student

benchmarks: $(STAMP)  ## print the benchmark tables
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf build .pytest_cache
