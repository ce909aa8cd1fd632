"""Moving projects in and out: imports from files or uploads, exports to files."""
