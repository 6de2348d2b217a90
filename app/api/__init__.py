"""The OpenRush HTTP API: client, response models and typed errors. No Textual here."""

from openrush_tui.api.unused_imports import leave_out

# Every import of httpx in this app is through this package: what httpx's stack would import
# and this app never uses (its command line, httpcore's trio) is left out before it loads.
leave_out()
