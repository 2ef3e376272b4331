#!/usr/bin/env bash
# Append new asv result files to the results-history branch, never overwriting, losing or
# damaging one.
#
#   tools/ci/push_results.sh NEW_RESULTS_DIR BRANCH [REMOTE]
#
# Run inside a clone whose REMOTE (default origin) may be pushed to (in a workflow: a checkout
# with persist-credentials: true; the commit is built with git plumbing in this clone, so the
# checkout's credentials are the ones used).  Needs Python 3.11 ($PYTHON, default python3;
# nothing installed): every file is first checked by the reader the release report uses
# (python -m jaxnp_results.validate), and a file it could not read is refused with a
# message naming it, never stored; the valid ones still are.
#
# Result files (<machine>/<commit>-<env>.json) and side-by-side session files
# (<machine>/sidebyside/<commit>-<session>.jsonl) are added only when absent from the branch: a
# file already there is a measurement of the same commit in the same environment (or the same
# session) and is kept as it was (the new copy is reported and dropped).  benchmarks.json is
# merged: every benchmark the branch knows is kept, and the new run's definitions win for the
# benchmarks it ran, so no stored result loses its benchmark.  machine.json takes the newest.
# When another run pushed first (several runs may race), the files are merged again onto the
# new tip and the push retried, up to 10 times, after a random wait that grows with each try
# (racing pushers do not retry in lockstep); nothing is ever force-pushed.
#
# Exit status: 0 everything stored (or already there); 1 the push kept failing; 2 a file was
# refused (the valid ones are stored first) or the arguments are wrong.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 NEW_RESULTS_DIR BRANCH [REMOTE]" >&2; exit 2; }
[[ -d $1 ]] || { echo "push_results: $1 is not a directory" >&2; exit 2; }
new=$(cd "$1" && pwd)
branch=$2
remote=${3:-origin}
root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-"jaxnp-bench results bot"}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-"results-bot@users.noreply.github.com"}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_INDEX_FILE=$work/index   # a private index: the work tree and its index are untouched

refused=0
PYTHONPATH=$root${PYTHONPATH:+:$PYTHONPATH} "$python" -m jaxnp_results.validate "$new" \
  >"$work/storable" || refused=$?
if [[ $refused -ge 2 ]]; then exit 2; fi

fetch_tip() {
  # prints the branch's current commit on the remote, or nothing when it does not exist yet
  if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
    git fetch --quiet "$remote" "refs/heads/$branch"
    git rev-parse FETCH_HEAD
  fi
}

merged_index() {
  # merged_index TIP: the branch's benchmarks.json with the new one's entries laid over it
  local tip=$1
  if [[ -n $tip ]] && git cat-file -e "$tip:benchmarks.json" 2>/dev/null; then
    git show "$tip:benchmarks.json" >"$work/old-index.json"
  else
    echo '{}' >"$work/old-index.json"
  fi
  "$python" - "$work/old-index.json" "$new/benchmarks.json" >"$work/index.json" <<'PY'
import json, sys
old, new = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:])
merged = {**old, **new}
print(json.dumps(merged, indent=4, sort_keys=True))
PY
  git hash-object -w "$work/index.json"
}

stage_new_files() {
  # stage_new_files TIP: the tree of TIP plus every new valid file it lacks (and fresh metadata)
  local tip=$1 added=0 kept=0 rel blob
  if [[ -n $tip ]]; then git read-tree "$tip"; else git read-tree --empty; fi
  while IFS= read -r rel; do
    case $rel in
      benchmarks.json)
        blob=$(merged_index "$tip")
        git update-index --add --cacheinfo "100644,$blob,$rel"
        continue ;;
      */machine.json) ;;
      *)
        if [[ -n $tip ]] && git cat-file -e "$tip:$rel" 2>/dev/null; then
          blob=$(git hash-object "$new/$rel")
          if [[ $blob != "$(git rev-parse "$tip:$rel")" ]]; then
            echo "kept existing $rel (new copy not stored)"; kept=$((kept + 1))
          fi
          continue
        fi
        added=$((added + 1)) ;;
    esac
    blob=$(git hash-object -w "$new/$rel")
    git update-index --add --cacheinfo "100644,$blob,$rel"
  done <"$work/storable"
  echo "added $added result file(s), kept $kept existing"
}

stored=0
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  tip=$(fetch_tip)
  stage_new_files "$tip"
  tree=$(git write-tree)
  if [[ -n $tip && $tree == "$(git rev-parse "$tip^{tree}")" ]]; then echo "nothing new to store"; stored=1; break; fi
  parent=()
  [[ -n $tip ]] && parent=(-p "$tip")
  commit=$(git commit-tree "$tree" "${parent[@]}" -m "results: ${GITHUB_SHA:-local} (run ${GITHUB_RUN_ID:-local})")
  if git push --quiet "$remote" "$commit:refs/heads/$branch" 2>"$work/push.err"; then
    echo "stored on $branch"; stored=1; break
  fi
  # jittered back-off: 0.5 s to attempt * 1.5 s, so racing pushers spread out
  wait=$(( (RANDOM % (attempt * 3)) + 1 ))
  echo "push rejected (another run stored results first); merging again in $((wait / 2)).$((wait % 2 * 5)) s, attempt $attempt" >&2
  sleep "$((wait / 2)).$((wait % 2 * 5))"
done
if [[ $stored -eq 0 ]]; then
  echo "could not store results after 10 attempts: $(tail -n 1 "$work/push.err")" >&2
  exit 1
fi
if [[ $refused -ne 0 ]]; then
  echo "some files were refused (above) and not stored; the valid ones were" >&2
  exit 2
fi
