"""The files asv 0.6.6's index.html loads from CDNs, and where the site serves them from.

Each ``Asset`` names the CDN address asv writes into index.html, the npm package (pinned in
tools/site/package.json and package-lock.json) and the file inside it, and the path the
published site serves it at (under ``vendor/``).  Versions are asv's, with two exceptions,
both the same library and release line:

* flot 0.8.3: cdnjs serves files minified by cdnjs; npm's ``flot@0.8.3`` ships the same
  release unminified (``jquery.flot.js`` inlines ``jquery.colorhelpers.js`` as cdnjs' does).
* stupidtable: asv asks for 1.0.1 (cdnjs only); npm has ``stupid-table-plugin@1.1.3``, whose
  ``stupidtable()`` / ``stupidsort(dir)`` calls asv's tables use are unchanged.

``LICENCES`` lists the licence file kept beside each package's copies (flot-orderbars ships
none: its MIT notice is in the header of the file itself, and its package.json is kept).
"""

from __future__ import annotations

from typing import NamedTuple


class Asset(NamedTuple):
    cdn_url: str   # exactly as in asv's www/index.html
    package: str   # npm package
    source: str    # file inside the package
    path: str      # where the site serves it, relative to the site root


ASSETS = (
    Asset("https://code.jquery.com/jquery-3.3.1.min.js",
          "jquery", "dist/jquery.min.js", "vendor/jquery/jquery.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js",
          "flot", "jquery.flot.js", "vendor/flot/jquery.flot.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js",
          "flot", "jquery.flot.time.js", "vendor/flot/jquery.flot.time.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js",
          "flot", "jquery.flot.selection.js", "vendor/flot/jquery.flot.selection.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js",
          "flot", "jquery.flot.categories.js", "vendor/flot/jquery.flot.categories.js"),
    Asset("https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js",
          "flot-orderbars", "js/jquery.flot.orderBars.js", "vendor/flot-orderbars/jquery.flot.orderBars.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js",
          "stupid-table-plugin", "stupidtable.min.js", "vendor/stupid-table-plugin/stupidtable.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js",
          "blueimp-md5", "js/md5.min.js", "vendor/blueimp-md5/md5.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js",
          "bootstrap", "dist/js/bootstrap.min.js", "vendor/bootstrap/js/bootstrap.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css",
          "bootstrap", "dist/css/bootstrap.min.css", "vendor/bootstrap/css/bootstrap.min.css"),
)

#: Files bootstrap.min.css loads relative to itself (``../fonts/...``).
EXTRA_FILES = tuple(
    ("bootstrap", f"dist/fonts/glyphicons-halflings-regular.{ext}",
     f"vendor/bootstrap/fonts/glyphicons-halflings-regular.{ext}")
    for ext in ("eot", "svg", "ttf", "woff")
)

LICENCES = {
    "jquery": "LICENSE.txt",
    "flot": "LICENSE.txt",
    "flot-orderbars": "package.json",
    "stupid-table-plugin": "LICENSE",
    "blueimp-md5": "LICENSE.txt",
    "bootstrap": "LICENSE",
}
