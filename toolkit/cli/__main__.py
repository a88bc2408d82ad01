"""``python -m toolkit.cli``: the same as the ``dd-toolkit`` script."""

import sys

from . import main

sys.exit(main())
