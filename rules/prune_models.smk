# Stage rules: prune_models (filled in by its issue).
