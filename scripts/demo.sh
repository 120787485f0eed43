#!/usr/bin/env bash
# Quick start, command 1: install Coproduce and run the demo on SQLite at http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

python_venv_ready
.venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e .

export DEBUG=1 COPRODUCE_DEMO=1 COPRODUCE_STAFF_MFA_REQUIRED=0
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo_build
echo "Open http://127.0.0.1:8000 and sign in with one of the logins above."
echo "Emails (sign-up confirmations, password resets) are printed in this window."
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
