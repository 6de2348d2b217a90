import sys

from openrush_tui.main import main

sys.exit(main())
