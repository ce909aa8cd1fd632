"""The exchange formats a workflow graph is written in (:mod:`projections.workflow_export`),
named here without the graph library, so that the command line lists them in its help
without loading networkx."""

FORMATS = ("json", "graphml", "mermaid", "dot")
