"""``python -m toolkit.cli``: the same entry point as the ``dd-toolkit`` script."""

import sys

from . import main

sys.exit(main())
