"""The OpenRush HTTP API: client, response models and typed errors. No Textual here."""
