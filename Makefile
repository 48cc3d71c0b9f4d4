# Engage: `make run` sets everything up and serves the app with demo data on SQLite;
# `make test` sets up the same way and runs the whole test suite;
# `make serve` sets up as `make run` does and serves with gunicorn, several workers on
# the same data (deploy/gunicorn.conf.py; docs/deploy.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := crm

.PHONY: run serve test setup assets migrate lint bench clean translations
# The compiled Welsh catalogue (built here, never committed); a catalogue that does not
# compile stops the setup, and so CI.
CATALOGUES := crm/translations/cy/LC_MESSAGES/messages.mo

run: setup migrate
	$(BIN)/flask crm seed-demo --if-empty
	@# Background jobs (the postcode directory import, placing records) run in a worker
	@# beside the app, on the embedded queue (instance/jobs.db); it stops with the app.
	$(BIN)/flask crm worker & trap 'kill $$!' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Outside CRM_ENV=production: loads the demo data into an empty database, and serves
# though check-deploy finds problems (it prints them). With CRM_ENV=production: loads
# nothing, and gunicorn refuses to start while check-deploy finds any problem.
serve: setup migrate
	@[ "$$CRM_ENV" = production ] || $(BIN)/flask crm seed-demo --if-empty
	@# Background jobs run in a worker beside the web server, on the queue CRM_JOBS_URL
	@# names (instance/jobs.db by default); it stops with the server.
	$(BIN)/flask crm worker & trap 'kill $$!' EXIT INT TERM; \
	  CRM_WEB_BIND="$${CRM_WEB_BIND:-127.0.0.1:$(PORT)}" $(BIN)/gunicorn --config deploy/gunicorn.conf.py

test: setup
	@# A process per core, each with its own database; a file's tests stay together.
	$(BIN)/pytest -n auto --dist loadfile

setup: $(VENV)/.installed static/build/.built $(CATALOGUES)

$(VENV)/.installed: pyproject.toml
	@# The quarterly report's PDF (WeasyPrint) needs Pango and fonts from the system.
	@ldconfig -p | grep -q libpango-1.0 || { [ "$$(id -u)" = 0 ] && \
	  apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; } || \
	  echo "PDF reports need Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/.built: node_modules/.installed build-assets.mjs static/src/app.scss
	node build-assets.mjs
	touch $@

assets: static/build/.built

$(CATALOGUES): %.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d crm/translations

# After adding or changing interface text: the new text into the Welsh catalogue, to be
# translated there (docs/translation.md).
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
	  --sort-output -o crm/translations/messages.pot .
	$(BIN)/pybabel update -i crm/translations/messages.pot -d crm/translations \
	  --width 88 --ignore-obsolete --no-fuzzy-matching

migrate: setup
	mkdir -p instance
	$(BIN)/flask db upgrade

lint: setup
	$(BIN)/ruff check crm tests bench

bench: setup
	$(BIN)/python -m bench.run_stakeholders

clean:
	rm -rf $(VENV) node_modules static/build
