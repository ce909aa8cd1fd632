"""The use-case API: the eventsourcing Application, its commands, queries and views."""
