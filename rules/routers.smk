# Stage rules: routers (filled in by its issue).
