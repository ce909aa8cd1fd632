"""Project versions: create, compare, restore and revert."""
