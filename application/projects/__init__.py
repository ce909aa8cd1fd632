"""Projects: their meta (classes, tag metas, datasets), the list, names resolved to ids."""
