# Stage rules: remaster (filled in by its issue).
