"""The sandbox's approval pages (docs/oauth.md): plain HTML, no script, nothing from outside.

Every value shown or carried in a hidden field passes `html.escape`; the pages are served with
a Content-Security-Policy that allows no script and no other origin, and no framing.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = ("body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em}"
          ".code{font:bold 2.4em monospace;letter-spacing:.15em;margin:.4em 0}"
          "button{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}")


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
                f"<meta name=viewport content='width=device-width'><title>{escape(title)}"
                f"</title><style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
                f"{body}</body></html>")
    return HTMLResponse(document, status, headers=HEADERS)


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f"<input type=hidden name='{escape(name)}' value='{escape(value)}'>"
                   for name, value in fields.items())


def _decision_buttons() -> str:
    return ("<button type=submit name=decision value=approve>Approve</button>"
            "<button type=submit name=decision value=deny>Deny</button>")


def enter_code(note: str = "", status: int = 200) -> HTMLResponse:
    said = f"<p><strong>{escape(note)}</strong></p>" if note else ""
    return page("Sign in a terminal", said + (
        "<p>Type the code your terminal shows.</p>"
        "<form method=get action='/device'>"
        "<input name=user_code autocomplete=off autofocus size=12 maxlength=20 "
        "placeholder='XXXX-XXXX'> <button type=submit>Continue</button></form>"), status)


def confirm_device(shown_code: str, client_name: str, account_id: str,
                   csrf: str) -> HTMLResponse:
    return page("Approve this sign-in?", (
        "<p>Check that your terminal shows this code:</p>"
        f"<p class=code>{escape(shown_code)}</p>"
        f"<p><strong>{escape(client_name)}</strong> asks to use the OpenRush account "
        f"<strong>{escape(account_id)}</strong> (the sandbox's demo account). Approve only "
        "if you started this sign-in yourself.</p>"
        "<form method=post action='/device'>"
        + _hidden({"user_code": shown_code, "csrf": csrf}) + _decision_buttons() + "</form>"))


def confirm_authorization(client_name: str, account_id: str, fields: Mapping[str, str],
                          redirect_host: str) -> HTMLResponse:
    return page("Approve this sign-in?", (
        f"<p><strong>{escape(client_name)}</strong> asks to use the OpenRush account "
        f"<strong>{escape(account_id)}</strong> (the sandbox's demo account). Your browser "
        f"then goes back to <strong>{escape(redirect_host)}</strong> on this computer.</p>"
        "<form method=post action='/oauth/authorize'>" + _hidden(fields)
        + _decision_buttons() + "</form>"))


def done(approved: bool) -> HTMLResponse:
    if approved:
        return page("Signed in", "<p>The terminal is signed in. You can close this tab and "
                    "go back to it.</p>")
    return page("Sign-in denied", "<p>Nothing was signed in. You can close this tab.</p>")


def problem(title: str, sentence: str, status: int) -> HTMLResponse:
    return page(title, f"<p>{escape(sentence)}</p>", status)
