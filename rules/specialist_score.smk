# Stage rules: specialist_score (filled in by its issue).
