#!/usr/bin/env bash
# Build what the Pages deploy publishes, from the results at hand (.asv/results):
# the asv site in .asv/html and, beside it, the release report (report.html) for each machine.
#
#   tools/ci/build_site.sh
#
# Known gap (issue 4): asv 0.6's index.html loads jQuery, flot and bootstrap from public CDNs;
# serving them from the site itself is not done yet.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv/site
if [[ ! -x $venv/bin/jaxnp-report ]]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "asv==0.6.6" virtualenv -e ".[report]"
fi
"$venv/bin/asv" --config asv.conf.json publish
status=0
"$venv/bin/jaxnp-report" .asv/results --format html --output .asv/html/report.html || status=$?
if [[ $status -eq 2 ]]; then
  echo "the release report could not be built (see above)" >&2
  exit 2
fi
ls .asv/html/report*.html
echo "site: .asv/html/index.html, release report: .asv/html/report*.html"
