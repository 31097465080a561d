# Two commands matter (see README): `make run` and `make test`. The rest are tools.
PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: setup run check test train eval compare-pipelines eval-langid bench bench-console profile soak kb-check chat constraints clean

setup: $(INSTALLED)

# Reinstall when the dependencies change; constraints.txt pins everything Rasa pulls in.
$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt --upgrade "pip<24" wheel
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	$(PY) -m pip check
	touch $@

run: setup
	$(PY) -m bot run

chat: setup
	$(PY) -m bot chat

train: setup
	$(PY) -m bot train

# The console's browser tests drive Debian's chromium (Playwright may not download browsers here).
/usr/bin/chromium:
	apt-get update -qq && apt-get install -y -qq chromium

# tests/system/test_deploy.py renders deploy/kubernetes with `kubectl kustomize` (no cluster needed).
/usr/bin/kubectl:
	apt-get update -qq && apt-get install -y -qq kubernetes-client

# The one-minute verdict, no servers needed: lint, format, types, Rasa's data validation, unit tests.
check: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	# types and Rasa's data validation side by side: one core each
	$(PY) -m mypy & types=$$!; $(PY) -m bot.rasa_launcher data validate --fail-on-warnings --quiet && wait $$types
	$(PY) -m pytest -q -n 2 tests/unit

# Everything: the check, the knowledge base as of today (review dates), then the system tests on the
# trained model, real servers, PostgreSQL, Redis and a browser.
test: check /usr/bin/chromium /usr/bin/kubectl
	$(PY) -m bot kb check
	$(PY) -m bot train
	$(PY) -m pytest -q tests/system

eval: setup
	$(PY) -m bot eval

compare-pipelines: setup
	$(PY) -m pip install --quiet -c constraints.txt -e ".[compare]"
	$(PY) -m bot compare-pipelines

eval-langid: setup
	$(PY) -m bot eval-langid

bench: setup
	$(PY) -m bot bench

# Ten people texting the production profile with retries, hostile input and three faults midway;
# the report goes to results/soak.json (MINUTES=2 for a short one).
MINUTES ?= 30
soak: setup
	$(PY) -m tools.soak --minutes $(MINUTES)

# Where the Rasa process spends its time under 10 conversations at once (needs py-spy).
profile: setup
	$(PY) -m tools.profile_server

bench-console: setup
	$(PY) -m bot bench-console

kb-check: setup
	$(PY) -m bot kb check

# Regenerate the full pin list after changing pyproject.toml.
constraints: setup
	$(PY) -m pip freeze --exclude-editable | grep -v '^immigrant-services' > constraints.txt

clean:
	rm -rf $(VENV) models results .pytest_cache rasa.db
