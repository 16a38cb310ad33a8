"""The client's address behind the council's reverse proxies, for sign-in lockouts.

Each proxy appends the address it received the request from to ``X-Forwarded-For``,
so behind ``PROXY_COUNT`` proxies the client is the ``PROXY_COUNT``-th address from the
right. Everything to the left of it came from the client and may be forged. The header
is read only when the connection comes from one of ``FORWARDED_ALLOW_IPS`` (the
proxies gunicorn trusts); from anywhere else, and when the header has fewer addresses
than there are proxies, the peer's own address (``REMOTE_ADDR``) is the client.
"""
import ipaddress

from django.conf import settings


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted_proxy(address):
    trusted = settings.FORWARDED_ALLOW_IPS
    if "*" in trusted:
        return True
    return address is not None and any(address in ipaddress.ip_network(net, strict=False) for net in trusted)


def client_ip(request):
    """The address django-axes counts failed sign-ins against (AXES_CLIENT_IP_CALLABLE)."""
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if count <= 0 or not _is_trusted_proxy(_address(peer)):
        return peer
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return peer
    client = _address(forwarded[-count])
    return str(client) if client is not None else peer
