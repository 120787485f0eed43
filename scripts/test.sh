#!/usr/bin/env bash
# Quick start, command 2: install what the tests need, then run every check and every test,
# on SQLite and on PostgreSQL, browser tests included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step() { printf '\n== %s\n' "$*"; }

step "Installing Python, Debian and npm packages"
python_venv_ready
.venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
debian_packages_ready chromium gettext fonts-dejavu-core postgresql-client
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
export AXE_PATH=$PWD/node_modules/axe-core/axe.min.js

step "Translations compile"
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy"
.venv/bin/mypy coproduce

step "Apps import only downward (import-linter contracts in pyproject.toml)"
.venv/bin/lint-imports

step "Migrations are up to date"
.venv/bin/python manage.py makemigrations --check --dry-run

step "Deployment checks with production-like settings"
SECRET_KEY="ci-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" DEBUG=0 \
  ALLOWED_HOSTS=coproduce.example.org SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000 \
  SECURE_HSTS_PRELOAD=1 SECURE_COOKIES=1 STATIC_MANIFEST=0 \
  .venv/bin/python manage.py check --deploy --fail-level WARNING

step "Tests on SQLite"
env -u DATABASE_URL .venv/bin/pytest -p no:cacheprovider "$@"

step "Tests on PostgreSQL"
source scripts/postgres.sh
postgres_ready
DATABASE_URL="$POSTGRES_URL" .venv/bin/pytest -p no:cacheprovider "$@"
