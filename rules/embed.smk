# Stage rules: embed (filled in by its issue).
