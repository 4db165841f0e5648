"""Fetching a URL politely and safely, for feeds and the pages they link to.

- Only http(s); the host's every address must be public: loopback, private, link-local,
  reserved and multicast addresses are refused (a feed URL must not reach the machine's own
  services or the local network) unless `allow_private` (QA_FEEDS_ALLOW_PRIVATE=true).
- Redirects are followed by hand, at most `max_redirects`, each hop checked the same way.
- Conditional GET: `etag` / `modified` from the last fetch are sent back; 304 = unchanged.
- A body over `max_bytes` is refused while it is read; every request has a timeout.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel

from qa.errors import QAError

__all__ = ["FetchError", "Fetched", "check_url", "fetch"]

USER_AGENT = "qa-feeds/1 (+https://github.com/; polite polling, conditional GET)"


class FetchError(QAError):
    """A URL that could not be fetched, and why."""


class Fetched(BaseModel):
    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    modified: str = ""


def check_url(url: str, allow_private: bool = False) -> None:
    """Raise FetchError unless url is http(s) to a host whose addresses are all public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http:// and https:// URLs can be fetched")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise FetchError(f"{url}: the host {parts.hostname!r} does not resolve ({e.strerror})") from None
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not addr.is_global or addr.is_multicast:
            raise FetchError(f"{url}: {parts.hostname} is a loopback, private or link-local address "
                             f"({addr}); set QA_FEEDS_ALLOW_PRIVATE=true to allow it")


def fetch(url: str, *, timeout: float, max_bytes: int, max_redirects: int, allow_private: bool,
          etag: str = "", modified: str = "") -> Fetched:
    """GET url (conditionally, when etag/modified are given), following redirects by hand."""
    import httpx

    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
               "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    seen = [url]
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(max_redirects + 1):
            check_url(url, allow_private)
            try:
                got = _get(client, url, headers, max_bytes)
            except httpx.HTTPError as e:
                raise FetchError(f"{url}: {type(e).__name__}: {e}") from None
            if not isinstance(got, str):
                return got
            url = urljoin(url, got)
            seen.append(url)
    raise FetchError(f"{seen[0]}: more than {max_redirects} redirects"
                     + (" (a redirect loop)" if len(set(seen)) < len(seen) else ""))


def _get(client, url: str, headers: dict, max_bytes: int) -> Fetched | str:
    """The response, or the next URL when it redirects."""
    with client.stream("GET", url, headers=headers) as r:
        if r.status_code in (301, 302, 303, 307, 308) and r.headers.get("location"):
            return r.headers["location"]
        if r.status_code == 304:
            return Fetched(url=url, status=304)
        if r.status_code >= 400:
            raise FetchError(f"{url}: HTTP {r.status_code} {r.reason_phrase}")
        declared = int(r.headers.get("content-length") or 0)
        if declared > max_bytes:
            raise FetchError(f"{url}: {declared / 1e6:.1f} MB is over the limit of "
                             f"{max_bytes / 1e6:g} MB (QA_FEEDS__MAX_MB)")
        body = bytearray()
        for part in r.iter_bytes():
            body += part
            if len(body) > max_bytes:
                raise FetchError(f"{url}: more than the limit of {max_bytes / 1e6:g} MB (QA_FEEDS__MAX_MB)")
        return Fetched(url=url, status=r.status_code, body=bytes(body),
                       content_type=r.headers.get("content-type", ""),
                       etag=r.headers.get("etag", ""), modified=r.headers.get("last-modified", ""))
