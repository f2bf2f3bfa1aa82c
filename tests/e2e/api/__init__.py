"""REST API tests, on every database engine."""
