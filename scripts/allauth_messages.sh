#!/usr/bin/env bash
# Regenerate the Welsh catalog for django-allauth's own strings
# (coproduce/locale_allauth/cy/LC_MESSAGES/django.po) from the installed allauth,
# keeping every translation we already have. Run it after upgrading allauth:
#
#   scripts/allauth_messages.sh
#
# Only the parts of allauth a Coproduce user can reach are extracted: account, mfa
# (TOTP, recovery codes, WebAuthn), core, and the account/mfa/allauth templates
# (pages, emails, messages). socialaccount, usersessions, headless, idp and saml are
# not used and are left out.
#
# New msgids come in untranslated, changed ones marked fuzzy with the previous msgid
# shown; translate them, remove the fuzzy flags, then check and compile:
#
#   .venv/bin/pytest coproduce/people/tests/test_translations_allauth.py
#   .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules
#
# Needs GNU gettext (msgmerge, msgattrib, msgfmt): apt-get install gettext.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
PO=$ROOT/coproduce/locale_allauth/cy/LC_MESSAGES/django.po
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
# The rule Django's own cy catalog uses.
PLURAL_FORMS='nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;'

ALLAUTH=$("$PYTHON" -c 'import allauth, os; print(os.path.dirname(allauth.__file__))')
VERSION=$("$PYTHON" -c 'import allauth; print(allauth.__version__)')

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# A copy of just the parts we use, laid out as allauth lays them out.
mkdir -p "$WORK/allauth/templates" "$WORK/locale"
cp -r "$ALLAUTH/account" "$ALLAUTH/mfa" "$ALLAUTH/core" "$WORK/allauth/"
cp -r "$ALLAUTH/templates/account" "$ALLAUTH/templates/mfa" "$ALLAUTH/templates/allauth" \
  "$WORK/allauth/templates/"

# makemessages with Django's own keywords (gettext, gettext_lazy, ngettext, pgettext,
# npgettext, {% translate %}, {% blocktranslate %} with plurals and contexts, ...).
# It runs without project settings; --keep-pot leaves the template for msgmerge.
(
  cd "$WORK"
  env -u DJANGO_SETTINGS_MODULE "$PYTHON" -m django makemessages \
    --locale=cy --domain=django --extension=html,txt,py \
    --ignore='migrations/*' --add-location=file --no-obsolete --keep-pot \
    >/dev/null
)
POT=$WORK/locale/django.pot

mkdir -p "$(dirname "$PO")"
if [ ! -f "$PO" ]; then
  # First run: start from a header-only Welsh catalog, so that msgmerge gives every
  # plural entry the four forms Welsh needs.
  printf '%s\n' \
    "# Welsh translation of django-allauth's strings, for Coproduce." \
    "# Regenerate with scripts/allauth_messages.sh; see docs/translations.md." \
    'msgid ""' \
    'msgstr ""' \
    '"Project-Id-Version: Coproduce (django-allauth)\n"' \
    "\"PO-Revision-Date: $(date -u +'%Y-%m-%d %H:%M+0000')\\n\"" \
    '"Last-Translator: Coproduce\n"' \
    '"Language-Team: Welsh (Coproduce)\n"' \
    '"Language: cy\n"' \
    '"MIME-Version: 1.0\n"' \
    '"Content-Type: text/plain; charset=UTF-8\n"' \
    '"Content-Transfer-Encoding: 8bit\n"' \
    "\"Plural-Forms: $PLURAL_FORMS\\n\"" \
    >"$PO"
fi

# Keep existing translations; new msgids come in empty, changed ones fuzzy (with
# the previous msgid shown), and msgids allauth dropped are removed.
msgmerge --quiet --no-wrap --add-location=file --previous "$PO" "$POT" -o "$PO.new"
msgattrib --no-obsolete --no-wrap "$PO.new" -o "$PO"
rm -f "$PO.new"

# Record which allauth the msgids came from.
sed -i -E "s/^\"Project-Id-Version: .*\"$/\"Project-Id-Version: Coproduce (django-allauth $VERSION)\\\\n\"/" "$PO"

msgfmt --check --statistics -o /dev/null "$PO"
echo "Updated ${PO#"$ROOT"/} from django-allauth $VERSION"
