"""How long a test waits for something it expects, before it calls it a hang.

A wait for a condition returns as soon as the condition holds, so only a hang spends this:
it is generous on purpose, for a machine busy with other work (the suite must pass with two
CPU burners beside it). The per-test timeout (pyproject's `timeout`) sits above it.
"""

PATIENCE = 60.0
