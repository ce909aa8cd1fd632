"""The pure model of annoledger: projects, items, annotations and their events.

Nothing here performs I/O; only the standard library and ``eventsourcing.domain``
are imported.
"""
