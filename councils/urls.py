from django.contrib.auth import views as auth_views
from django.urls import path

from budget_portal.middleware import public

urlpatterns = [
    path(
        "login/",
        public(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
