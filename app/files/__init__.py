"""Every local file this program reads from a user's tree or creates or rewrites: one package.

The rules, stated once (docs/reliability.md); an AST test
(tests/test_files_guard.py) fails when code elsewhere opens, writes, replaces, chmods or
`os.open`s a file by itself (the sandbox's SQLite store is the one other place):

- **Reading never blocks and never surprises** (`reading`): a file is opened non-blocking and
  `fstat` must say "regular file" before a byte is read, so a FIFO, a device or a socket at a
  config path is a clear `LocalFileError`, never a hang. A size cap bounds every read.
- **Writing is atomic and private** (`writing`): new content goes into a temporary file created
  with ``O_CREAT | O_EXCL | O_NOFOLLOW``, mode 0600, under an unpredictable name, in the target's
  own directory; it is renamed over the target only when complete (fsync first). "Never
  overwrite" is decided by the rename itself (a hard link that fails on any existing name,
  a dangling symlink included), not by a look beforehand. A symlink this program did not make
  is never followed, and nothing is chmodded but the program's own new files and folders.
- **Read-modify-write holds a lock with a timeout** (`locks`) and checks, before it replaces a
  file, that the file is still the one it read (`reading.Stamp`).
- **Private directories** (`writing.ensure_private_dir`): a folder that holds keys is a real
  directory of ours, 0700 when created; one that others could write to is refused with the fix.
- **User trees** (`trees`): walked without recursion, tolerating unreadable folders and virtual
  file systems, following a symlink only where the user named it.
"""
