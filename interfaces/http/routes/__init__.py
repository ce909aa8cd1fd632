"""One router per resource; :mod:`interfaces.http.main` gathers them under /api/v1."""
