"""``python -m openai_conformance`` is ``oaic``."""

import sys

from openai_conformance.commands.cli import main

sys.exit(main())
