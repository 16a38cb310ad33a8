"""Sign-in required by default: a view is public only if it says so."""
from django.conf import settings
from django.contrib.auth.views import redirect_to_login

PUBLIC_PREFIXES = ("/static/", "/accounts/login/", "/accessibility/", "/healthz")


def public(view):
    """Mark a view as reachable without signing in."""
    view.login_exempt = True
    return view


class LoginRequiredByDefault:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated or getattr(view_func, "login_exempt", False):
            return None
        if request.path.startswith(PUBLIC_PREFIXES) or request.path.startswith("/admin/"):
            return None  # the admin has its own sign-in
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
