# Stage rules: categories (filled in by its issue).
