"""Dashboard pages of the parsers app (the API lives in parsers/views.py)."""
