import sys

from openrush_tui.main import main

# Guarded: a worker process (`keys scan`'s, started with "spawn") imports the main module
# again, and must not run the program.
if __name__ == "__main__":
    sys.exit(main())
