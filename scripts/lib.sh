# Shared by scripts/demo.sh and scripts/test.sh.

# A virtual environment with Python 3.11 or newer in .venv.
python_venv_ready() {
  if [ -x .venv/bin/python ]; then
    return
  fi
  local candidate python=""
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
  if [ -z "$python" ]; then
    echo "Coproduce needs Python 3.11 or newer." >&2
    exit 1
  fi
  "$python" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
}

# Run a command as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# Install Debian packages that are missing.
debian_packages_ready() {
  local missing=()
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
