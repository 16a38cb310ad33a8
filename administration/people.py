"""people pages (see administration/urls.py)."""
urlpatterns: list = []
