"""``python -m jaxnp_releases`` is ``jaxnp-releases`` (see :mod:`.cli`)."""

import sys

from .cli import main

sys.exit(main())
