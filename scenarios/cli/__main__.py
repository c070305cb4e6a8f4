"""``python -m scenarios.cli ...`` runs the ``airbridge`` command."""
import sys

from scenarios.cli import main

sys.exit(main())
