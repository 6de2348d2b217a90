"""Sign in with the browser (issue 22; the contract is docs/oauth.md). No Textual here.

The core a screen or a command drives, in the order they meet it:

- `discovery`: ``discover(http, api_url)`` → `WebSignIn` (checked endpoints; `offers_device`,
  `offers_code`) or `NotOffered` (`.line`: "Sign-in with the browser is not offered here:
  …", one line for Setup under the paste flow).
- `flow.BrowserSignIn`: one attempt for a profile and server, holding the HTTP, the clock,
  the sleep and the request budget: ``discover``, ``start_device`` → `device.DeviceCode`
  (``user_code``, ``verification_uri``, ``uri_to_open`` for the QR code and OSC 52 copy,
  ``expires_at``), ``wait`` → `tokens.WebSession` (run it in a worker; cancelling it stops
  the polling), or ``code_request`` + `pkce.LoopbackListener` / `pkce.code_from_address`
  + ``finish`` for the code flow. Failures: `device.SignInDenied`, `device.SignInExpired`,
  `device.SignInFailed`, `api.oauth_http.OAuthRefused`, and the client's usual
  `OpenRushError`s (no answer, a bad shape); each has a message and a hint to show.
- `keeping`: ``keep(profile, session, choice=None)`` → `Kept` or `signin.NeedsChoice` (the
  keys' question: the 0600 file or this session only), ``find(profile)``,
  ``forget(profile)``, and ``fresh_session(profile, kept, http, clock)`` before each use: a
  refreshed access token when due, or `tokens.SignedOut` (its sentence is
  `tokens.SIGNED_OUT`, "Signed out: sign in again.").
- `tokens`: `WebSession` (``access_token`` is the bearer to give the API client,
  ``account_id``, ``expires_at``), ``refresh``, ``revoke`` (sign-out, when offered).

Every token is a `Secret` (masked in repr, never in logs or error text); every URL a server
names passed `discovery`'s host rule; every document was decoded by `api.oauth_models`.
"""
