"""Dashboard pages of the extractions app (the API lives in extractions/views*)."""
