"""``python -m jaxnp_kernels.report`` is ``jaxnp-report``'s report (see :mod:`.cli`; bisect, sweep: jaxnp-releases)."""

import sys

from .cli import main

sys.exit(main())
