#!/usr/bin/env bash
# Append new asv result files to the results-history branch, never overwriting or losing one.
#
#   tools/ci/push_results.sh NEW_RESULTS_DIR BRANCH [REMOTE]
#
# Result files (<machine>/<commit>-<env>.json) are added only when absent from the branch: a
# file that is already there is a measurement of the same commit in the same environment, kept
# as it was (the new copy is reported and dropped).  benchmarks.json and machine.json are
# metadata and take the newest version.  The push is retried after a rebase when another run
# pushed first (two runs may race), up to 5 times.
set -euo pipefail
new=$(cd "$1" && pwd)
branch=$2
remote=${3:-origin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git config --global user.name >/dev/null 2>&1 || git config --global user.name "jaxnp-bench results bot"
git config --global user.email >/dev/null 2>&1 || git config --global user.email "results-bot@users.noreply.github.com"

if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
  git clone --quiet --single-branch --branch "$branch" "$(git remote get-url "$remote")" "$work/history"
else
  git init --quiet "$work/history"
  git -C "$work/history" checkout --quiet --orphan "$branch"
  git -C "$work/history" remote add origin "$(git remote get-url "$remote")"
fi
cd "$work/history"

merge_new_files() {
  local added=0 kept=0 rel
  while IFS= read -r -d '' file; do
    rel=${file#"$new"/}
    case $(basename "$rel") in
      benchmarks.json|machine.json)
        mkdir -p "$(dirname "$rel")"; cp "$file" "$rel" ;;
      *)
        if [[ -e $rel ]]; then
          if ! cmp -s "$file" "$rel"; then echo "kept existing $rel (new copy not stored)"; kept=$((kept + 1)); fi
        else
          mkdir -p "$(dirname "$rel")"; cp "$file" "$rel"; added=$((added + 1))
        fi ;;
    esac
  done < <(find "$new" -type f -name '*.json' -print0)
  echo "added $added result file(s), kept $kept existing"
}

for attempt in 1 2 3 4 5; do
  merge_new_files
  git add -A
  if git diff --cached --quiet; then echo "nothing new to store"; exit 0; fi
  git commit --quiet -m "results: ${GITHUB_SHA:-local} (run ${GITHUB_RUN_ID:-local})"
  if git push --quiet origin "HEAD:$branch"; then echo "stored on $branch"; exit 0; fi
  echo "push rejected (another run stored results first); rebasing, attempt $attempt" >&2
  git fetch --quiet origin "$branch"
  git reset --quiet --hard "origin/$branch"   # drop our commit; the loop re-adds the files on top
  sleep $((attempt * 3))
done
echo "could not store results after 5 attempts" >&2
exit 1
