#!/usr/bin/env bash
# The suite's main job, from a fresh clone (needs only Python 3.11+ and git):
#
#   tools/run-suite.sh                 set up asv, run every benchmark on the current commit in the
#                                      newest and the oldest JAX environments (main-job settings,
#                                      below), publish the HTML site, print how to view it
#   tools/run-suite.sh --full          the same with the suite's full settings (the CI benchmark job)
#   tools/run-suite.sh --check-quick   asv check, then one quick pass (every benchmark once, at size
#                                      M only) in the newest environment; exits non-zero on any
#                                      failed benchmark
#   tools/run-suite.sh --env JAX ...   choose the JAX releases (repeatable), e.g. --env 0.7.2
#   tools/run-suite.sh --release-config JAX   run in a release outside the matrix (a generated
#                                      one-environment config; used for new JAX releases)
#   --gpu                              CUDA 12 builds of JAX (a GPU runner with CUDA 12 installed;
#                                      set JAXNP_MACHINE to name the GPU, e.g. jaxnp-gpu-a100)
#   --no-publish                       skip asv publish (the workflows publish separately)
#
# Main-job settings: size M only, one round and at most 5 samples per timing (asv -a rounds=1
# -a repeat=...), figures with fewer samples (JAXNP_ASV_FEW_SAMPLES=1), so two environments
# fit in 15 minutes on 2 cores; the full settings
# (sizes M and L, 3 rounds of 2 to 5 samples; at L only float32, NumPy and jitted JAX: see
# benchmarks/common.py) are what the published history uses.  Raw samples
# are always recorded (--record-samples).  Results accumulate in .asv/results and are never
# replaced: a commit already measured in an environment is skipped (--skip-existing), and the
# quick pass is a --dry-run.
#
# Environment: JAXNP_MACHINE (default jaxnp-ci-2core) names the machine the results belong to.
set -euo pipefail
cd "$(dirname "$0")/.."

ASV_VERSION=0.6.6
MACHINE=${JAXNP_MACHINE:-jaxnp-ci-2core}
NEWEST_JAX=0.10.2   # keep in step with the last "include" entry of asv.conf.json
OLDEST_JAX=0.4.31   # and with the first

mode=main
releases=()
publish=1
gpu=0
extra_release=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --full) mode=full ;;
    --check-quick) mode=quick ;;
    --env) releases+=("$2"); shift ;;
    --release-config) extra_release=$2; shift ;;
    --no-publish) publish=0 ;;
    --gpu) gpu=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ ${#releases[@]} -eq 0 ]]; then
  if [[ $mode == quick ]]; then releases=("$NEWEST_JAX"); else releases=("$NEWEST_JAX" "$OLDEST_JAX"); fi
fi

log() { printf '\n==> %s\n' "$*"; }
start=$SECONDS

python=""
for candidate in python3 python3.11 python3.12 python3.13; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c "import sys; sys.exit(sys.version_info[:2] < (3, 11))"; then
    python=$candidate; break
  fi
done
[[ -n $python ]] || { echo "error: need Python 3.11 or newer on PATH" >&2; exit 1; }
# asv builds its environments with Python 3.11 (old jaxlib wheels stop at 3.12).
command -v python3.11 >/dev/null 2>&1 || "$python" -c "import sys; sys.exit(sys.version_info[:2] != (3, 11))" || {
  echo "error: asv's environments need python3.11 on PATH" >&2; exit 1; }

venv=.venv/asv
if [[ ! -x $venv/bin/asv ]] || ! "$venv/bin/asv" --version 2>/dev/null | grep -q "$ASV_VERSION"; then
  log "installing asv $ASV_VERSION into $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "asv==$ASV_VERSION" virtualenv numpy
fi
config=asv.conf.json
if [[ $gpu -eq 1 ]]; then
  config=.asv/gpu.conf.json
  mkdir -p .asv
  "$venv/bin/python" tools/asv_machine.py --gpu-config "$config"
fi
if [[ -n $extra_release ]]; then
  # A release outside the matrix: a one-environment config, paired with its jaxlib.
  config=.asv/release-$extra_release.conf.json
  "$venv/bin/python" tools/asv_machine.py --release-config "$extra_release" "$config"
  releases=("$extra_release")
fi
asv=("$venv/bin/asv" --config "$config")

# The JAX device kind goes into the machine description, hence into every result's params.
device=cpu
if [[ $gpu -eq 1 ]]; then
  device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)
  device=${device:-gpu}
fi
log "machine $MACHINE (JAX device: $device)"
"$venv/bin/python" tools/asv_machine.py --device "$device" "$MACHINE"

env_args=()
for release in "${releases[@]}"; do
  name=$("$venv/bin/python" tools/asv_machine.py --config "$config" --env-name "$release")
  env_args+=(-E "$name")
done

if [[ $mode == quick ]]; then
  log "asv check"
  "${asv[@]}" check "${env_args[@]}"
  log "quick pass (every benchmark once, size M) in JAX ${releases[*]}"
  # --dry-run: a check, not a measurement; it must never replace recorded results.
  JAXNP_ASV_SIZES=M JAXNP_ASV_FEW_SAMPLES=1 "${asv[@]}" run --quick --dry-run --show-stderr --machine "$MACHINE" \
    "${env_args[@]}" "HEAD^!"
  log "quick pass done in $((SECONDS - start)) s"
  exit 0
fi

settings=()
sizes=M,L
few_samples=0
if [[ $mode == main ]]; then
  settings=(-a rounds=1 -a "repeat=(3, 5, 4.0)")
  sizes=M
  few_samples=1  # the figures too (benchmarks/common.py: FEW_SAMPLES)
fi
log "running the suite on $(git rev-parse --short HEAD) in JAX ${releases[*]} ($mode settings, sizes $sizes)"
status=0
# --skip-existing: a commit already measured in an environment keeps its results untouched.
JAXNP_ASV_SIZES=$sizes JAXNP_ASV_FEW_SAMPLES=$few_samples "${asv[@]}" run --record-samples --skip-existing --show-stderr \
  --machine "$MACHINE" "${settings[@]}" "${env_args[@]}" "HEAD^!" || status=$?

if [[ $publish -eq 0 ]]; then
  log "done in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s (not published)"
  exit "$status"
fi
log "publishing the site"
"$venv/bin/python" tools/site/build_site.py --asv "$venv/bin/asv"
site_dir=$("$venv/bin/python" tools/site/build_site.py --print-output-dir)

log "done in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
cat <<EOF
The HTML site is in $site_dir. To view it:
    $venv/bin/asv --config asv.conf.json preview      (then open the address it prints)
or serve the folder with any static web server, e.g. python3 -m http.server -d $site_dir
EOF
if [[ $status -ne 0 ]]; then
  echo "asv run reported failed benchmarks (exit $status): see the output above" >&2
  exit "$status"
fi
