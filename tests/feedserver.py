"""A real HTTP server on 127.0.0.1 serving fixture feeds of each kind, broken ones, and the
article pages they link to; it honours If-None-Match and counts the requests per path."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE_LINE = "Only the linked page says that the ferry timetable changes in spring."


def page(title: str, n: int) -> str:
    body = " ".join(f"Paragraph {n}.{i}: the harbour committee met again on Tuesday to discuss the "
                    f"repairs, and the chair said the work would take {i + 2} weeks." for i in range(5))
    return (f"<html><head><title>{title}</title><meta name='author' content='Ann Reporter'></head>"
            f"<body><nav>Home | News</nav><article><h1>{title}</h1><p>{body}</p><p>{PAGE_LINE}</p>"
            f"</article><footer>Copyright</footer></body></html>")


def rss2(base: str, items: list[tuple[str, str, str]]) -> str:
    """items: (title, path of its page, description)."""
    xml = "".join(
        f"<item><title>{t}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
        f"<description>{d}</description><author>desk@example.com (News Desk)</author>"
        f"<category>Local</category><pubDate>Wed, 18 Oct 2023 10:00:00 GMT</pubDate></item>"
        for t, p, d in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour Gazette</title>"
            f"<link>{base}/</link><description>Local news</description>{xml}</channel></rss>")


def fixtures(base: str) -> dict[str, tuple[int, dict, bytes]]:
    big = "word " * 1_100_000  # 5.5 MB of one entry's content
    routes: dict[str, tuple[int, dict, str]] = {
        "/rss2.xml": (200, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}, rss2(base, [
            ("Harbour repairs begin", "/a/1.html", "The repairs begin."),
            ("Committee sets a budget", "/a/2.html", "A budget is set.")])),
        "/rss1.rdf": (200, {"Content-Type": "application/rdf+xml"}, (
            "<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
            "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
            f"<channel rdf:about='{base}/'><title>Valley Times</title><link>{base}/</link>"
            "<description>d</description></channel>"
            f"<item rdf:about='{base}/a/3.html'><title>Bridge reopens</title><link>{base}/a/3.html</link>"
            "<dc:date>2023-10-19T08:00:00Z</dc:date><dc:creator>Bo Writer</dc:creator></item></rdf:RDF>")),
        "/rss091.xml": (200, {}, (
            "<?xml version='1.0'?><rss version='0.91'><channel><title>Old Wire</title><link>x</link>"
            "<description>d</description><language>en</language><item><title>Storm warning issued</title>"
            f"<link>{base}/missing.html</link><description>The weather office issued a storm warning "
            "for the coast on Friday, and the harbour master closed the port until Sunday.</description>"
            "</item></channel></rss>")),
        "/atom.xml": (200, {"Content-Type": "application/atom+xml"}, (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Coast Atom</title><id>urn:coast</id><updated>2023-10-20T09:00:00Z</updated>"
            f"<entry><title>Fishing quota cut</title><id>urn:coast:1</id><link href='{base}/a/4.html'/>"
            "<updated>2023-10-20T09:00:00Z</updated><author><name>Cy Author</name></author>"
            "<summary>The quota is cut.</summary></entry></feed>")),
        "/broken.xml": (200, {}, rss2(base, [("Market day moves", "/a/5.html", "It moves.")])
                        .replace("</channel></rss>", "<item><title>Unclosed")),
        "/page.html": (200, {"Content-Type": "text/html"}, page("Just a page", 9)),
        "/big.xml": (200, {}, (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Big Feed</title><link>x</link>"
            "<description>d</description><item><title>Huge entry</title>"
            "<guid isPermaLink='false'>huge-1</guid>"
            f"<description>{big}</description></item>"
            "<item><title>School roof fixed</title><guid isPermaLink='false'>small-1</guid>"
            "<description>The school roof "
            "was fixed over the half-term holiday, the council said on Monday, at a cost of "
            "forty thousand pounds.</description></item></channel></rss>")),
        "/nodate.xml": (200, {}, (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Plain Feed</title><link>x</link>"
            "<description>d</description><item><title>Library hours extended</title><description>"
            "The town library will stay open until eight in the evening from next month, the "
            "librarian said.</description></item></channel></rss>")),
        "/loop.xml": (302, {"Location": "/loop2.xml"}, ""),
        "/loop2.xml": (302, {"Location": "/loop.xml"}, ""),
        "/moved.xml": (301, {"Location": "/atom.xml"}, ""),
    }
    for n, title in enumerate(["Harbour repairs begin", "Committee sets a budget", "Bridge reopens",
                               "Fishing quota cut", "Market day moves"], 1):
        routes[f"/a/{n}.html"] = (200, {"Content-Type": "text/html"}, page(title, n))
    return {k: (s, h, b.encode()) for k, (s, h, b) in routes.items()}


class FeedServer:
    def __init__(self):
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.hits: Counter[str] = Counter()
        self.delay: dict[str, float] = {}  # path prefix -> seconds to wait before answering

    def handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                server.hits[path] += 1
                for prefix, seconds in server.delay.items():
                    if path.startswith(prefix):
                        time.sleep(seconds)
                status, headers, body = server.routes.get(path, (404, {}, b"not found"))
                if headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


@contextlib.contextmanager
def feed_server() -> Iterator[tuple[str, FeedServer]]:
    fs = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), fs.handler())
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    fs.routes = fixtures(base)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, fs
    finally:
        httpd.shutdown()
