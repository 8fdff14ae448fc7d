"""``python -m routerbench_plus.embed assemble-mpnet --dest DIR``: build the offline mpnet encoder."""

import sys

from .encoders import main

sys.exit(main())
