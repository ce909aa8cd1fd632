"""Read models built from the log: workflow graph, audit index, history, diffs."""
