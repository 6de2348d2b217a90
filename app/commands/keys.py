"""Placeholder until its issue lands: registers no subcommand yet."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    del subparsers
