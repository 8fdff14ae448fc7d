# Stage rules: splits (filled in by its issue).
