# Stage rules: evaluation (filled in by its issue).
