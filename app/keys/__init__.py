"""The account's API keys, without Textual: the rules of a new key (`rules`), which keys a list
shows and in which order (`view`), and the revoke flow shared by API access and ``keys revoke``
(`revoke`)."""
