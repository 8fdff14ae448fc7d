# Stage rules: near_duplicates (filled in by its issue).
