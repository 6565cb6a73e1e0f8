"""The dashboard's page: `/app/` (index.html) and `/app/static/...` (modules, styles, the font).

Everything the page needs comes from here: the messengers open it in a webview where another
origin may be slow, blocked or watching, so no script, style or font is loaded from anywhere
else (the Content-Security-Policy says so to the browser too).

The files are read once at start (they are small) and served from memory. Their URLs carry a
version, a hash of every file, so a browser may keep them for a year and still gets the new
ones the moment a release changes any of them; `index.html` itself is always revalidated.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Platform
from bot.i18n import LOCALES, load_catalog

if TYPE_CHECKING:
    from bot.app import App

STATIC_DIR: Traversable = files("bot") / "webapp" / "static"
FONTS_DIR: Traversable = files("bot") / "assets" / "fonts"
# The shipped font (bot/assets/fonts, the one the charts use) and its licence.
FONT_FILES = ("Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf", "OFL.txt")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".json": "application/json",
}
# Already compressed: gzip would only cost time.
_COMPRESSED = {".png", ".woff2", ".woff"}
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
)
# The messenger's own script, loaded only when the URL fragment brought no launch data (and
# the page works without it whenever the fragment did). Telegram's clients always put the
# launch data in the fragment, which is all telegram-web-app.js reads, so Telegram needs none.
# Bale documents its SDK at docs.bale.ai/miniapp (window.Bale.WebApp); Bale's clients are
# reported to build the webview URL themselves, so its initData is taken from the SDK when the
# fragment lacks it.
NATIVE_SCRIPTS: dict[Platform, str] = {Platform.BALE: "https://tapi.bale.ai/miniapp.js?3"}


def csp(native_script: str | None) -> str:
    """The page talks only to its own server (and, on Bale, may load Bale's script). Images
    may be blob: (the report charts are fetched with the Authorization header and shown from
    memory) or data:. No frame-ancestors: Telegram's and Bale's web clients show the page in
    an iframe."""
    scripts = "script-src 'self'"
    if native_script is not None:
        origin = "/".join(native_script.split("/", 3)[:3])
        scripts = f"{scripts} {origin}"
    return "; ".join(scripts if p.startswith("script-src") else p for p in _CSP_PARTS)


COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# The few texts the page needs before the API has said who the reader is (and when it refuses
# to: a stale or forged launch is told to open the dashboard from the bot again).
BOOT_TEXTS = (
    "webapp.title",
    "webapp.boot.loading",
    "webapp.errors.unauthorized",
    "webapp.errors.network",
    "webapp.errors.no_launch_data",
)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def _walk(directory: Traversable, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for entry in directory.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                found.update(_walk(entry, f"{name}/"))
        elif _suffix(entry.name) in CONTENT_TYPES and entry.name != "index.html":
            found[name] = entry.read_bytes()
    return found


def _static_file(name: str, body: bytes) -> StaticFile:
    suffix = _suffix(name)
    gzipped = None
    if suffix not in _COMPRESSED:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    digest = hashlib.sha256(body).hexdigest()[:16]
    return StaticFile(body, gzipped, CONTENT_TYPES[suffix], f'"{digest}"')


def load_static() -> dict[str, StaticFile]:
    """Every file the page may ask for, by its path under /app/static/."""
    raw = _walk(STATIC_DIR)
    for name in FONT_FILES:
        raw[f"fonts/{name}"] = (FONTS_DIR / name).read_bytes()
    return {name: _static_file(name, body) for name, body in raw.items()}


def static_version(static: dict[str, StaticFile]) -> str:
    digest = hashlib.sha256()
    for name in sorted(static):
        digest.update(name.encode())
        digest.update(static[name].etag.encode())
    return digest.hexdigest()[:12]


def boot_texts() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        catalog = load_catalog(locale)
        texts[locale] = {key: catalog[key] for key in BOOT_TEXTS}
    return texts


def render_index(
    version: str, texts: dict[str, dict[str, str]], native_script: str | None = None
) -> bytes:
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    # Inside <script type="application/json">: "<" escaped so no text can close the element.
    boot = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
    page = template.replace("{{version}}", version).replace("{{boot}}", boot)
    page = page.replace("{{native_script}}", html.escape(native_script or "", quote=True))
    page = page.replace("{{title}}", texts["fa"]["webapp.title"])
    return page.encode("utf-8")


def _respond(request: web.Request, file: StaticFile, cache: str) -> web.Response:
    headers = {
        **COMMON_HEADERS,
        "Cache-Control": cache,
        "ETag": file.etag,
        "Vary": "Accept-Encoding",
    }
    if file.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    body = file.body
    if file.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = file.gzipped
        headers["Content-Encoding"] = "gzip"
    headers["Content-Type"] = file.content_type
    return web.Response(body=body, headers=headers)


class Pages:
    def __init__(self, platform: Platform = Platform.TELEGRAM) -> None:
        self.static = load_static()
        self.version = static_version(self.static)
        native = NATIVE_SCRIPTS.get(platform)
        index = render_index(self.version, boot_texts(), native)
        self.index = _static_file("index.html", index)
        self.csp = csp(native)

    async def page(self, request: web.Request) -> web.Response:
        response = _respond(request, self.index, REVALIDATE)
        response.headers["Content-Security-Policy"] = self.csp
        return response

    async def redirect(self, request: web.Request) -> web.Response:
        # The fragment (the launch data) stays: browsers carry it over a redirect.
        raise web.HTTPPermanentRedirect(
            location="/app/" + (f"?{request.query_string}" if request.query_string else "")
        )

    async def asset(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        versioned = f"v{self.version}/"
        cache = REVALIDATE
        if tail.startswith(versioned):
            tail, cache = tail.removeprefix(versioned), FOREVER
        elif tail.startswith("v") and "/" in tail:
            # An older release's URL (a page still open across a deploy): today's file, but
            # not to be kept under that name.
            tail = tail.split("/", 1)[1]
        # Only names found at start are served: no path from the request reaches the disk.
        file = self.static.get(tail)
        if file is None:
            raise web.HTTPNotFound()
        return _respond(request, file, cache)


def add_routes(web_app: web.Application, app: App | None = None) -> None:
    pages = Pages(app.profile.platform if app is not None else Platform.TELEGRAM)
    web_app.router.add_get("/app", pages.redirect)
    web_app.router.add_get("/app/", pages.page)
    web_app.router.add_get("/app/static/{tail:.+}", pages.asset)
