#!/usr/bin/env bash
# The pull-request gate: asv continuous between BASE and HEAD in one JAX environment; the
# verdict goes to the job summary as a Markdown table; exit 1 on a slowdown beyond FACTOR.
#
#   tools/ci/pr_gate.sh BASE_SHA HEAD_SHA FACTOR JAX_RELEASE
set -euo pipefail
base=$1 head=$2 factor=$3 release=$4
cd "$(dirname "$0")/../.."
tools/run-suite.sh --check-quick >/dev/null   # installs asv into .venv/asv, checks the suite
name=$(.venv/asv/bin/python tools/asv_machine.py --env-name "$release")
status=0
.venv/asv/bin/asv --config asv.conf.json continuous --factor "$factor" --split --record-samples \
  -E "$name" "$base" "$head" | tee asv-continuous.txt || status=$?
.venv/asv/bin/python tools/ci/render_gate.py asv-continuous.txt "$factor" >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
exit "$status"
