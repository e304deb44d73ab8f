"""Read-only reports over the books: each returns frozen rows and a plain ``Table`` for export."""
