"""Entrypoints: HTTP API, CLI, web page. Thin: parse, call the application, map errors."""
