"""Client addresses behind reverse proxies: forwarded headers count only from the proxies."""

import ipaddress
import logging
import time

from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

FORWARDED = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)
WARN_EVERY_SECONDS = 60


class TrustedProxies:
    """Apply X-Forwarded-* (ProxyFix) only to requests that come from PROXY_ADDRESSES.

    Anyone can send X-Forwarded-For; trusting it from any peer would let a client rotate it
    and escape every per-address rate limit. From another peer the headers are removed and
    a warning is logged (at most once a minute), since it usually means a misconfiguration.
    """

    def __init__(self, wsgi_app, hops: int, networks):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops) if hops else None
        self.hops = hops
        self.networks = list(networks)
        self._warned_at = float("-inf")

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        if self.proxied is not None and self._is_proxy(peer):
            return self.proxied(environ, start_response)
        forwarded = [name for name in FORWARDED if name in environ]
        if forwarded:
            for name in forwarded:
                del environ[name]
            self._warn(peer)
        return self.direct(environ, start_response)

    def _is_proxy(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def _warn(self, peer: str) -> None:
        now = time.monotonic()
        if now - self._warned_at < WARN_EVERY_SECONDS:
            return
        self._warned_at = now
        if self.hops:
            log.warning(
                "forwarded headers from %s, which is not in PROXY_ADDRESSES, were ignored", peer
            )
        else:
            log.warning(
                "forwarded headers from %s were ignored: PROXY_FIX_HOPS is 0 (no proxy configured)",
                peer,
            )
