"""Helpers shared by the tests: building apps, driving them, and the servers and terminals
they run against."""
