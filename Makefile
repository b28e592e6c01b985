# Do Better — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: install browser-deps run test lint bench-deps bench bench-full soak clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core for the browser tests' accessibility check, from the npm registry (needs npm).
AXE := tests/browser/node_modules/axe-core/axe.min.js
browser-deps: $(AXE)

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "npm not found: the browser tests will be skipped (install Node.js and npm)"; \
	fi

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo
	@echo "Do Better is running at http://127.0.0.1:$(PORT)/"
	@echo "Demo sign-ins (password: do-better-demo):"
	@echo "  admin@example.com    — admin, sees everything"
	@echo "  manager@example.com  — manages two teams"
	@echo "  staff@example.com    — member of one team"
	@echo "A job worker runs beside the web server; Ctrl-C stops both."
	@echo
	$(BIN)/flask serve --host 127.0.0.1 --port $(PORT)

test: install browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench-deps: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'

bench: bench-deps
	$(BIN)/python -m bench

bench-full: bench-deps
	$(BIN)/python -m bench --full

PG_SERVER ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# The 60-second load run and the crash runs, on SQLite and PostgreSQL; figures go to docs/security.md.
soak: install
	$(BIN)/python -m bench.soak --users 50 --seconds 60 --record
	$(BIN)/python -m bench.soak --users 50 --seconds 60 --record --postgres $(PG_SERVER)
	$(BIN)/python -m bench.crash --record
	$(BIN)/python -m bench.crash --record --postgres $(PG_SERVER)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
