"""The JSON API at /api/v1/ (django-ninja), one router per app."""
