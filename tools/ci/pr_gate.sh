#!/usr/bin/env bash
# The pull-request gate: asv continuous between BASE and HEAD in one JAX environment; the
# verdict goes to the job summary as a Markdown table (tools/ci/render_gate.py); exits 1 on a
# slowdown beyond FACTOR, a newly failing benchmark, or when asv could not compare at all.
#
#   tools/ci/pr_gate.sh BASE_SHA HEAD_SHA FACTOR JAX_RELEASE
#
# asv's output is kept in asv-continuous.txt and the verdict in gate-verdict.md (uploaded as
# an artifact, read only as data by anything that wants to comment on the PR).
set -euo pipefail
base=$1 head=$2 factor=$3 release=$4
cd "$(dirname "$0")/../.."
tools/run-suite.sh --check-quick >/dev/null   # installs asv into .venv/asv, checks the suite
name=$(.venv/asv/bin/jaxnp-releases env-names --releases "$release")
asv_status=0
.venv/asv/bin/asv --config asv.conf.json continuous --factor "$factor" --split --record-samples \
  --machine "${JAXNP_MACHINE:-jaxnp-ci-2core}" -E "$name" "$base" "$head" 2>&1 | tee asv-continuous.txt ||
  asv_status=$?
gate_status=0
.venv/asv/bin/python tools/ci/render_gate.py asv-continuous.txt "$factor" > gate-verdict.md || gate_status=$?
cat gate-verdict.md >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
if [[ $asv_status -ne 0 || $gate_status -ne 0 ]]; then
  echo "benchmark gate failed (asv exit $asv_status, verdict exit $gate_status)" >&2
  exit 1
fi
