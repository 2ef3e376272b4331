#!/usr/bin/env bash
# Build what the Pages deploy publishes, from the results at hand (.asv/results): the asv site
# in .asv/html with its assets served locally and JAX releases in version order, and beside it
# the release report (report*.html, one per machine), linked from the site's navigation bar.
#
#   tools/ci/build_site.sh
#
# Installs asv and the package with its report extra into .venv/site (reused when present);
# the work itself is tools/site/build_site.py's.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv/site
if [[ ! -x $venv/bin/asv || ! -x $venv/bin/jaxnp-report ]]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "asv==0.6.6" virtualenv -e ".[report]"
fi
"$venv/bin/python" tools/site/build_site.py --asv "$venv/bin/asv" --report --report-python "$venv/bin/python"
