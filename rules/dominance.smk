# Stage rules: dominance (filled in by its issue).
