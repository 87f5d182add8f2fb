#!/usr/bin/env bash
# Checks every Python file of the repository with Debian's pyflakes and pycodestyle (scripts/setup.sh
# installs both). pycodestyle keeps its default ignores plus E203, which flags Black's `x[a + 1 :]`.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.py')
[ "${#files[@]}" -gt 0 ] || { echo "lint-python: no Python files found" >&2; exit 1; }
/usr/bin/python3 -m pyflakes "${files[@]}"
/usr/bin/python3 -m pycodestyle --max-line-length=140 --ignore=E121,E123,E126,E226,E24,E704,W503,W504,E203 "${files[@]}"
echo "lint-python: ${#files[@]} files ok"
