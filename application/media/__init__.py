"""Media: stored image bytes, upload grants, and which links and files may be read."""
