"""CSV import of enrollments and completions, previewed, then applied in one transaction."""
