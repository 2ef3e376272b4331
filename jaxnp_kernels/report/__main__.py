"""``python -m jaxnp_kernels.report`` is ``jaxnp-report`` (see :mod:`.cli`)."""

import sys

from .cli import main

sys.exit(main())
