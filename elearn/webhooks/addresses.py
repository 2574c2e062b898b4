"""Which URLs a webhook may target: no server-side request forgery.

A webhook makes elearn's server send requests where an admin says, so an address inside
the network (loopback, private ranges, link-local cloud metadata, ...) is refused, and in
production only ``https://`` is accepted. ``WEBHOOK_ALLOW_PRIVATE`` lifts both, for tests
and intranets. The host is resolved and checked when the endpoint is registered and again
before every delivery (a name may be pointed elsewhere later), and the delivery connects
to the addresses checked, without resolving the name again (``web.outgoing``); redirects
are never followed.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext

from ..errors import Invalid


def _problem(message: str) -> Invalid:
    return Invalid(message, details={"url": message})


def check_url(url: str) -> str:
    """``url`` if a webhook may target it, else a 422 saying why."""
    checked_addresses(url)
    return url


def checked_addresses(url: str) -> list[str]:
    """The IP addresses ``url``'s host resolves to, every one allowed, else a 422 saying why."""
    parts = urlsplit(url)
    allow_private = current_app.config.get("WEBHOOK_ALLOW_PRIVATE")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _problem(gettext("Give a full http:// or https:// address."))
    if parts.username or parts.password:
        raise _problem(gettext("Put no user or password in the address; the secret signs each delivery."))
    if parts.scheme != "https" and not allow_private and current_app.config.get("ELEARN_ENV") == "production":
        raise _problem(gettext("Webhooks go to https:// addresses only."))
    try:
        port = parts.port
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError) as error:
        raise _problem(gettext("That host cannot be found.")) from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for found in addresses:
            address = ipaddress.ip_address(found.split("%", 1)[0])
            if not address.is_global or address.is_multicast:
                raise _problem(gettext("That address is inside a private network; webhooks go to public hosts."))
    return addresses
