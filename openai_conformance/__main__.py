"""``python -m openai_conformance`` is ``oaic``."""

import sys

from openai_conformance.cli import main

sys.exit(main())
