"""Where the key lives and what this terminal is signed in with.

`credentials` looks a key up (``OPENRUSH_KEY`` → keyring → 0600 file → this session only),
saves and forgets it (the 0600 file through `openrush_tui.files.private`); `keyring_store`
bounds every OS keyring call with a timeout; `profiles` binds a profile to its server;
`secret` holds a key so it cannot leak through repr or logs; `signin` is the sign-in flow
shared by the Setup page and ``login``; `status` is the "This terminal" model shared by
Setup and ``status``. No Textual here.
"""
