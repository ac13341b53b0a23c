"""``python -m vidgen_edu`` is the ``vidgen-edu`` command."""

import sys

from vidgen_edu.cli import main

sys.exit(main())
