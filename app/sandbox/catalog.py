"""The tools the sandbox offers, their credit costs, and the `ofe/1.0` envelopes it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = "ofe/1.0"


@dataclass(frozen=True)
class Tool:
    name: str
    domain: str
    credits: int
    enabled: bool
    description: str

    def as_item(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "domain": self.domain,
            "credits": self.credits,
            "enabled": self.enabled,
            "description": self.description,
        }


# Costs of enabled tools are the documented ones; the gated tools' costs are OURS (not public).
TOOLS: tuple[Tool, ...] = (
    Tool("describe_capabilities", "core", 0, True, "Enabled tools, credit costs and sources"),
    Tool("inspect_domain", "seo", 3, True, "Authority, traffic and rankings of a domain"),
    Tool("discover_competitors", "seo", 5, True, "Domains competing for the same searches"),
    Tool("research_keywords", "seo", 3, True, "Keyword ideas with volume and difficulty"),
    Tool("compare_keyword_coverage", "seo", 5, True, "Keywords several domains rank for"),
    Tool("inspect_serp", "serp", 2, True, "Live search results page"),
    Tool("inspect_search_visibility", "seo", 3, True, "Visibility across tracked searches"),
    Tool("audit_site", "audit", 10, True, "Technical SEO audit of a site"),
    Tool("inspect_keyword", "seo", 2, True, "Volume, difficulty and intent of one keyword"),
    Tool("inspect_page", "audit", 2, True, "On-page checks for one URL"),
    Tool("export_dataset", "core", 0, True, "Fetch a large dataset by its openrush:// handle"),
    Tool("inspect_backlinks", "backlinks", 5, False, "Backlink profile of a domain"),
    Tool("compare_backlink_gap", "backlinks", 5, False, "Links competitors have and you lack"),
    Tool("inspect_ai_visibility", "ai_search", 5, False, "Presence in AI assistant answers"),
    Tool("discover_ai_citations", "ai_search", 5, False, "Pages that AI answers cite"),
)
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}

SOURCES: tuple[dict[str, Any], ...] = (
    {"source_class": "live_serp", "method": "observed", "confidence": 0.95},
    {"source_class": "site_crawl", "method": "fetched", "confidence": 0.9},
    {"source_class": "keyword_index", "method": "estimated", "confidence": 0.7},
)


def envelope(
    domain: str,
    data: dict[str, Any],
    *,
    facts: list[dict[str, Any]] | None = None,
    returned: int = 1,
    as_of: str | None = None,
    scope_note: str | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "domain": domain,
        "data": data,
        "facts": facts or [],
        "entities": [],
        "deltas": [],
        "coverage": {
            "returned": returned,
            "total_available": returned,
            "truncated": False,
            "as_of": as_of,
            "scope_note": scope_note,
        },
        "resources": [],
        "next_actions": [],
    }


def capabilities() -> dict[str, Any]:
    tools = [tool.as_item() for tool in TOOLS]
    return envelope(
        "core", {"tools": tools, "sources": [dict(s) for s in SOURCES]}, returned=len(tools)
    )


def tool_result(tool: Tool, arguments: dict[str, Any] | None, now: str) -> dict[str, Any]:
    """A small synthetic answer: enough to look real in a client, nothing to depend on."""
    if tool.name == "describe_capabilities":
        return capabilities()
    source = (
        SOURCES[0]
        if tool.domain == "serp"
        else SOURCES[1]
        if tool.domain == "audit"
        else SOURCES[2]
    )
    fact = {
        "type": "sandbox_result",
        "subject": tool.name,
        "value": "synthetic",
        "provenance": {
            "source_class": source["source_class"],
            "method": source["method"],
            "observed_at": now,
            "confidence": source["confidence"],
            "connection_id": None,
            "cache_hit": False,
        },
    }
    data = {
        "tool": tool.name,
        "arguments": arguments or {},
        "credits_charged": tool.credits,
        "result": {"summary": f"Synthetic {tool.name} result from the OpenRush sandbox."},
    }
    return envelope(tool.domain, data, facts=[fact], as_of=now, scope_note="sandbox synthetic data")
