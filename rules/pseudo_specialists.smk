# Stage rules: pseudo_specialists (filled in by its issue).
