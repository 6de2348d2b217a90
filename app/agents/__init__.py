"""Connecting an AI agent to OpenRush's MCP server: each agent's steps and snippet (`catalog`),
merging our entry into its config file (`merge`), and the install plan, diff, backup and write
shared by the Setup page and ``agents install`` (`install`). No Textual here."""
