# Stage rules: ingest (filled in by its issue).
