# vidgen-edu: `make course` runs the course, `make test` runs the tests, `make lab` opens JupyterLab.
# Each target creates .venv on first use and installs the package with the tested constraints.
# System packages (Debian's chromium for the browser tests, python3-venv) are installed when they
# are missing and this user may (root, or passwordless sudo); otherwise make stops with one line
# saying what to install. See MAINTAINING.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= auto
STAMP := $(VENV)/.installed
# Where tests/test_index_browser.py looks for the browser, and the Debian package that puts it there.
CHROMIUM := /usr/bin/chromium
CHROMIUM_PACKAGE := chromium
LINTED := vidgen_edu tests benchmarks notebooks

# Waiting OpenMP threads sleep instead of spinning, or a busy core makes torch many times slower
# (MAINTAINING.md, "Threads"). Exported to every command below: the course's kernels, nbval's,
# JupyterLab's. Set OMP_WAIT_POLICY=ACTIVE yourself on a machine with idle cores to spare.
export OMP_WAIT_POLICY ?= PASSIVE

# `jupyter lab` refuses to run as root (containers, Binder-like images) without --allow-root.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# $(call apt_install,PACKAGE,WHAT FOR): apt-get install PACKAGE as root or with passwordless sudo,
# or stop with one line saying what to install.
define apt_install
if [ "$$(id -u)" = 0 ]; then sudo=""; \
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
else echo "make: $(2) need the Debian package $(1): run 'sudo apt-get install $(1)', then make again" >&2; exit 1; fi; \
if ! command -v apt-get >/dev/null 2>&1; then \
    echo "make: $(2) need $(1) (a Debian package): install it with your system's package manager" >&2; exit 1; fi; \
echo "make: installing the Debian package $(1) ($(2)) with apt-get"; \
$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null
endef

.PHONY: course test lint doctest chromium lab app student benchmarks clean

$(STAMP): pyproject.toml constraints.txt
	@if [ ! -x $(BIN)/python ] && ! $(PYTHON) -m venv $(VENV); then rm -rf $(VENV); \
	    $(call apt_install,python3-venv,Python virtual environments) && $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]" -c constraints.txt
	touch $(STAMP)

course: $(STAMP)  ## run every notebook; writes build/course/index.html and report.json
	$(BIN)/vidgen-edu course --profile $(PROFILE) --out build/course

test: lint chromium $(STAMP)  ## lint, library tests and doctests, notebook tests (nbval, smoke profile), browser tests
	VIDGEN_EDU_PROFILE=smoke $(BIN)/python -m pytest -q tests
	VIDGEN_EDU_PROFILE=smoke $(BIN)/python -m pytest -q --doctest-modules vidgen_edu
	VIDGEN_EDU_PROFILE=smoke $(BIN)/python -m pytest -q --nbval-lax --nbval-current-env notebooks

lint: $(STAMP)  ## ruff: lint and formatting check of the library, tests, benchmarks and notebooks
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

doctest: $(STAMP)  ## the >>> examples of the library's docstrings
	VIDGEN_EDU_PROFILE=smoke $(BIN)/python -m pytest -q --doctest-modules vidgen_edu

chromium:  ## Debian's Chromium, which the browser tests drive (installed when missing and allowed)
	@test -x $(CHROMIUM) || { $(call apt_install,$(CHROMIUM_PACKAGE),the browser tests); }
	@test -x $(CHROMIUM) || { echo "make: $(CHROMIUM) is still missing after installing $(CHROMIUM_PACKAGE)" >&2; exit 1; }

lab: $(STAMP)  ## JupyterLab on the notebooks
	$(BIN)/jupyter lab $(LAB_ROOT) notebooks

app: $(STAMP)  ## the generation studio as a standalone Voila page on 127.0.0.1:$${PORT:-8866}
	VIDGEN_EDU_EXPORT_DIR=$(CURDIR)/build/app $(BIN)/voila --no-browser --Voila.ip=127.0.0.1 \
	  --port=$${PORT:-8866} \
	  --VoilaConfiguration.extension_language_mapping='{".py": "python"}' \
	  vidgen_edu/widgets/app.py

student: $(STAMP)  ## student notebooks (solutions replaced by stubs) in build/student
	$(BIN)/vidgen-edu student --out build/student

benchmarks: $(STAMP)  ## print the benchmark tables
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf build .pytest_cache
