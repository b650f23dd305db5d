"""Stage 4, the store: the SQLite state with its schema version and migrations, the record
of every intent and artifact, and how records are kept as JSON.
"""
