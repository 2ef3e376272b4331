#!/usr/bin/env bash
# The suite's main job, from a fresh clone (needs only Python 3.11+ and git):
#
#   tools/run-suite.sh                 set up asv, measure the oldest and the newest JAX release of the
#                                      matrix side by side (the "main" selection, below), run the
#                                      figure benchmarks once in each, print the release verdicts with
#                                      their NumPy control and the JAX/NumPy speedups, build the HTML
#                                      site with the release report linked
#   tools/run-suite.sh --full          every release of the matrix side by side, the "full" selection
#                                      (the CI benchmark job)
#   tools/run-suite.sh --check-quick   asv check, then one quick pass (every benchmark once, size M,
#                                      a dry run) in the newest environment; non-zero on any failure
#   --releases "R ..."                 the releases to measure together (versions, or oldest, newest,
#                                      all), e.g. --releases "newest 0.11.0" for a new JAX release
#   --shard K/N                        only the K-th of N parts of the selection (every N-th combination),
#                                      every release still side by side, and the K-th part of the figure
#                                      modules: N runners at once; jaxnp-releases merge joins their results
#   --resume                           continue this selection's (and shard's) unfinished session
#   --gpu                              CUDA 12 builds of JAX (a GPU runner with CUDA 12 installed;
#                                      set JAXNP_MACHINE to name the GPU, e.g. jaxnp-gpu-a100)
#   --no-publish                       no site or report (the workflows publish separately)
#
# Side by side: every benchmark combination is measured in rounds of one process per release, alive
# together and sampled in turn (10 rounds, up to 20 where a pair of releases is still undecided;
# jaxnp-releases run, see README "How releases are compared").
# Main selection: every workload's time_run at size M in float32 of its NumPy reference and its
# compiled JAX implementation; op-by-op JAX, the variants the claims compare, size L and the
# speedups are the full selection's (the main job must fit 15 minutes on 2 cores).  The figure
# benchmarks are measured once per environment by plain asv run, with few samples: compile, memory
# and machine in the main job (of each workload's NumPy reference and compiled implementation, the
# ones it times), also roofline and threads, of every implementation, in the full run; shown per
# release, never judged between releases (exact byte counts excepted).
# Results accumulate in .asv/results and are never replaced (asv result files append samples; each
# session is a new file under .asv/results/<machine>/sidebyside/).
#
# Exit status: 0 done (regressions found are printed, they are findings, not failures); 1 a
# benchmark failed (a wrong result or a crash, named in the output; all else was measured);
# 2 bad arguments or a broken setup.
#
# Environment: JAXNP_MACHINE (default jaxnp-ci-2core) names the machine the results belong to.
set -euo pipefail
cd "$(dirname "$0")/.."

ASV_VERSION=0.6.6
MACHINE=${JAXNP_MACHINE:-jaxnp-ci-2core}

mode=main
releases=()
publish=1
gpu=0
shard=""
resume=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --full) mode=full ;;
    --check-quick) mode=quick ;;
    --releases) [[ $# -ge 2 ]] || { echo "--releases needs a value" >&2; exit 2; }
                read -r -a releases <<<"$2"; shift ;;
    --no-publish) publish=0 ;;
    --gpu) gpu=1 ;;
    --shard) [[ $# -ge 2 && $2 =~ ^[0-9]+/[0-9]+$ ]] || { echo "--shard needs K/N, e.g. 2/4" >&2; exit 2; }
             shard=$2; shift ;;
    --resume) resume=1 ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ ${#releases[@]} -eq 0 ]]; then
  case $mode in
    quick) releases=(newest) ;;
    full) releases=(all) ;;
    main) releases=(oldest newest) ;;
  esac
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
[[ -n $python ]] || { echo "error: need Python 3.11 or newer on PATH" >&2; exit 2; }
# asv builds its environments with Python 3.11 (old jaxlib wheels stop at 3.12).
command -v python3.11 >/dev/null 2>&1 || "$python" -c "import sys; sys.exit(sys.version_info[:2] != (3, 11))" || {
  echo "error: asv's environments need python3.11 on PATH" >&2; exit 2; }

# The tools' environment: asv, the side-by-side runner (jaxnp_releases) and the report.
venv=.venv/asv
stamp=$venv/.requirements
wanted=$(cat pyproject.toml <(echo "asv==$ASV_VERSION") | sha256sum | cut -d' ' -f1)
if [[ ! -x $venv/bin/jaxnp-releases || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  log "installing asv $ASV_VERSION, the runner and the report into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "asv==$ASV_VERSION" -e ".[report,releases]"
  echo "$wanted" > "$stamp"
fi
releases_cli=("$venv/bin/jaxnp-releases")
config=asv.conf.json
if [[ $gpu -eq 1 ]]; then
  config=.asv/gpu.conf.json
  mkdir -p .asv
  "${releases_cli[@]}" gpu-config "$config"
fi

# The JAX device kind goes into the machine description, hence into every result's params.
device=cpu
if [[ $gpu -eq 1 ]]; then
  device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)
  device=${device:-gpu}
fi
log "machine $MACHINE (JAX device: $device)"
"${releases_cli[@]}" machine "$MACHINE" --device "$device"
mapfile -t env_names < <("${releases_cli[@]}" env-names --config "$config" --releases "${releases[@]}")
env_args=()
for name in "${env_names[@]}"; do env_args+=(-E "$name"); done
asv=("$venv/bin/asv" --config "$config")

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

selection=main
sizes=M
figure_modules=(compile memory machine)
figure_cases=main  # the figures of the implementations the selection times
if [[ $mode == full ]]; then
  selection=full; sizes=M,L; figure_modules=(compile memory roofline threads machine); figure_cases=all
fi
run_args=()
if [[ -n $shard ]]; then
  run_args+=(--shard "$shard")
  # a shard takes every N-th figure module, as it takes every N-th combination
  k=${shard%/*} n=${shard#*/}
  mine=()
  for i in "${!figure_modules[@]}"; do
    if (( i % n == k - 1 )); then mine+=("${figure_modules[$i]}"); fi
  done
  figure_modules=("${mine[@]}")
fi
if [[ $resume -eq 1 ]]; then run_args+=(--resume); fi
# The commit is read once: a commit made while the job runs (it takes hours) must not split
# its results, figures and report over two commits.
commit=$(git rev-parse HEAD)
status=0
log "measuring JAX ${releases[*]} side by side on ${commit:0:7}: selection $selection${shard:+, shard $shard}"
"${releases_cli[@]}" run --config "$config" --machine "$MACHINE" --commit "$commit" --releases "${releases[@]}" \
  --selection "$selection" "${run_args[@]}" || status=$?
if [[ $status -ge 2 ]]; then exit "$status"; fi

if [[ ${#figure_modules[@]} -gt 0 ]]; then
  figures="^bench_($(IFS='|'; echo "${figure_modules[*]}"))\."
  log "figures once per environment: $figures"
  # --skip-existing: figures already measured at this commit in an environment are kept.
  JAXNP_ASV_SIZES=$sizes JAXNP_ASV_FEW_SAMPLES=1 JAXNP_ASV_FIGURE_CASES=$figure_cases "${asv[@]}" run --record-samples --skip-existing --show-stderr \
    --machine "$MACHINE" -a rounds=1 --bench "$figures" "${env_args[@]}" "$commit^!" || status=$((status > 0 ? status : 1))
fi

site_status=0
if [[ $publish -eq 1 ]]; then
  log "publishing the site with the release report"
  "$venv/bin/python" tools/site/build_site.py --asv "$venv/bin/asv" --config "$config" --report \
    --report-python "$venv/bin/python" || site_status=$?
  site_dir=$("$venv/bin/python" tools/site/build_site.py --config "$config" --print-output-dir)
fi

log "release verdicts and JAX/NumPy speedups at ${commit:0:7}"
report_status=0
"$venv/bin/jaxnp-report" --machine "$MACHINE" --commit "$commit" --brief \
  || report_status=$?
if [[ $report_status -ge 2 ]]; then status=2; fi

log "done in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
if [[ $site_status -ne 0 ]]; then
  echo "the site could not be built (exit $site_status): see the output above" >&2
  status=2
elif [[ $publish -eq 1 ]]; then
  cat <<EOF
The HTML site is in $site_dir (the release report: $site_dir/report.html). To view it:
    $venv/bin/asv --config asv.conf.json preview      (then open the address it prints)
or serve the folder with any static web server, e.g. python3 -m http.server -d $site_dir
EOF
fi
if [[ $status -eq 1 ]]; then
  echo "some benchmarks failed (exit 1): see the output above" >&2
fi
exit "$status"
