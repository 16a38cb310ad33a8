"""Nothing a signed-in person sees is kept by a browser or a shared cache."""
from django.utils.cache import patch_cache_control


class NoStoreWhenSignedIn:
    """``Cache-Control: private, no-store`` on every response to a signed-in request:
    pages and downloads show a council's unpublished figures. Static files are served
    by WhiteNoise before this runs, so they stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
