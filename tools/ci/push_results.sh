#!/usr/bin/env bash
# Append new asv result files to the results-history branch, never overwriting or losing one.
#
#   tools/ci/push_results.sh NEW_RESULTS_DIR BRANCH [REMOTE]
#
# Run inside a clone whose REMOTE (default origin) may be pushed to (in a workflow: a checkout
# with persist-credentials: true; the commit is built with git plumbing in this clone, so the
# checkout's credentials are the ones used).  Result files (<machine>/<commit>-<env>.json) and
# side-by-side session files (<machine>/sidebyside/<commit>-<session>.jsonl) are added only when
# absent from the branch: a file already there is a measurement of the same
# commit in the same environment and is kept as it was (the new copy is reported and dropped).
# benchmarks.json and machine.json are metadata and take the newest version.  When another run
# pushed first (two runs may race), the files are merged again onto the new tip and the push
# retried, up to 5 times; nothing is ever force-pushed.
set -euo pipefail
new=$(cd "$1" && pwd)
branch=$2
remote=${3:-origin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-"jaxnp-bench results bot"}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-"results-bot@users.noreply.github.com"}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_INDEX_FILE=$work/index   # a private index: the work tree and its index are untouched

fetch_tip() {
  # prints the branch's current commit on the remote, or nothing when it does not exist yet
  if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
    git fetch --quiet "$remote" "refs/heads/$branch"
    git rev-parse FETCH_HEAD
  fi
}

stage_new_files() {
  # stage_new_files TIP: the tree of TIP plus every new file it lacks (and fresh metadata)
  local tip=$1 added=0 kept=0 rel blob
  if [[ -n $tip ]]; then git read-tree "$tip"; else git read-tree --empty; fi
  while IFS= read -r -d '' file; do
    rel=${file#"$new"/}
    case $(basename "$rel") in
      benchmarks.json|machine.json) ;;
      *)
        if [[ -n $tip ]] && git cat-file -e "$tip:$rel" 2>/dev/null; then
          blob=$(git hash-object "$file")
          if [[ $blob != "$(git rev-parse "$tip:$rel")" ]]; then
            echo "kept existing $rel (new copy not stored)"; kept=$((kept + 1))
          fi
          continue
        fi
        added=$((added + 1)) ;;
    esac
    blob=$(git hash-object -w "$file")
    git update-index --add --cacheinfo "100644,$blob,$rel"
  done < <(cd "$new" && find "$PWD" -type f \( -name '*.json' -o -name '*.jsonl' \) -print0 | sort -z)
  echo "added $added result file(s), kept $kept existing"
}

for attempt in 1 2 3 4 5; do
  tip=$(fetch_tip)
  stage_new_files "$tip"
  tree=$(git write-tree)
  if [[ -n $tip && $tree == "$(git rev-parse "$tip^{tree}")" ]]; then echo "nothing new to store"; exit 0; fi
  parent=()
  [[ -n $tip ]] && parent=(-p "$tip")
  commit=$(git commit-tree "$tree" "${parent[@]}" -m "results: ${GITHUB_SHA:-local} (run ${GITHUB_RUN_ID:-local})")
  if git push --quiet "$remote" "$commit:refs/heads/$branch"; then echo "stored on $branch"; exit 0; fi
  echo "push rejected (another run stored results first); merging again, attempt $attempt" >&2
  sleep $((attempt * 3))
done
echo "could not store results after 5 attempts" >&2
exit 1
