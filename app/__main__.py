import sys

from openrush_tui.cli import main

sys.exit(main())
