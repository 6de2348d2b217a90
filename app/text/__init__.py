"""Text for people: the one path from server or file strings to a terminal (`safe`), and
times as people read them (`times`). No Textual here."""
