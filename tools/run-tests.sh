#!/usr/bin/env bash
# Set up and run jaxnp-bench's tests from a fresh clone (needs only Python 3.11+ and git).
#
#   tools/run-tests.sh                 everything CI runs (.ci/run calls exactly this):
#                                        1. pytest on the newest JAX             (.venv/test-jax-newest)
#                                        2. pytest on the oldest release of the matrix (.venv/test-jax-oldest)
#                                        3. the asv suite: asv check + one quick pass (tools/run-suite.sh --check-quick)
#                                        4. the workflow lint (tools/lint-workflows.sh)
#                                      (steps 1 and 2 include the site and report tests in headless Chromium)
#   tools/run-tests.sh --jax VERSION   only step 1/2 for one JAX release ("newest", "oldest" or a
#                                      matrix release, e.g. 0.7.2); extra arguments after -- go to pytest
#
# Virtual environments live under .venv/ and are reused when their requirements are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."


log() { printf '\n==> %s\n' "$*"; }

find_python() {
  # $1: highest minor version allowed (old jaxlib wheels stop at 3.12)
  local max_minor=$1 candidate
  for candidate in python3 python3.11 python3.12 python3.13; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c "import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, $max_minor)))"; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: need Python 3.11 to 3.$max_minor on PATH" >&2
  return 1
}

make_venv() {
  # make_venv DIR PYTHON REQUIREMENT...: create DIR unless it already holds exactly these requirements.
  local dir=$1 python=$2; shift 2
  local stamp="$dir/.requirements"
  local wanted
  wanted=$(printf '%s\n' "$@" "$(cat pyproject.toml)" | sha256sum | cut -d' ' -f1)
  if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --upgrade pip
  "$dir/bin/python" -m pip install --quiet "$@"
  echo "$wanted" > "$stamp"
}

run_pytest() {
  # run_pytest JAX_VERSION [pytest args...]
  local version=$1; shift
  local venv=".venv/test-jax-$version" python requirements pins
  if [[ $version == newest ]]; then
    python=$(find_python 13)
    requirements=(-e ".[test]")
  else
    python=$(find_python 12)
    # the release's pins as asv.conf.json's matrix has them (jax, jaxlib and the NumPy/SciPy it needs)
    pins=$("$python" jaxnp_releases/matrix.py --pins "$version") || exit 2
    read -r -a requirements <<<"$pins"
    requirements=(-e ".[test]" "${requirements[@]}")
  fi
  log "tests on JAX $version ($venv)"
  make_venv "$venv" "$python" "${requirements[@]}"
  "$venv/bin/python" -c "import jax, numpy; print(f'jax {jax.__version__}, numpy {numpy.__version__}')"
  "$venv/bin/python" -m pytest "$@"
}

if [[ ${1:-} == --jax ]]; then
  [[ $# -ge 2 ]] || { echo "usage: $0 --jax VERSION [-- pytest args]" >&2; exit 2; }
  version=$2; shift 2
  [[ ${1:-} == -- ]] && shift
  run_pytest "$version" "$@"
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [--jax VERSION [-- pytest args]]" >&2
  exit 2
fi

start=$SECONDS
run_pytest newest -q
run_pytest oldest -q
log "asv check and one quick pass"
tools/run-suite.sh --check-quick
log "the GitHub workflows: schema, actionlint, zizmor (offline)"
tools/lint-workflows.sh
log "all checks passed in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
