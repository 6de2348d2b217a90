"""The account's API keys, without Textual: the rules of a new key (`rules`), which keys a list
shows and in which order (`view`), the flows shared by API access and the command line:
creating a key (`create`, with `unseen` for a request whose answer was lost), revoking
(`revoke`), the keys that need attention (`audit`), guided rotation (`rotate`, with `switch`
for this terminal's stored key) and keys found in files (`scan`, judged by `leaks`)."""
