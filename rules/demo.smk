# Stage rules: demo (filled in by its issue).
