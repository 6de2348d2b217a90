"""Scriptable subcommands over the same client as the dashboard (keys, login, activity, …)."""
