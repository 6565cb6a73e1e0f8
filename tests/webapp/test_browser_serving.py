"""How /app/ is served (no browser needed): content types, caching, compression, the
Content-Security-Policy, and nothing served but the files shipped for the page."""

from __future__ import annotations

import json

import aiohttp

from tests.webapp.conftest import WebApp


async def test_the_page_is_served_with_its_content_types_and_caching(webapp: WebApp) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(webapp.base_url + "/app/") as reply:
            page = await reply.text()
            assert reply.status == 200
            assert reply.headers["Content-Type"].startswith("text/html")
            assert reply.headers["Cache-Control"] == "no-cache"
            assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
        start = page.index("static/v") + len("static/")
        version = page[start : page.index("/", start)]
        font = f"{webapp.base_url}/app/static/{version}/fonts/Vazirmatn-Regular.ttf"
        async with session.get(font) as reply:
            body = await reply.read()
            assert reply.status == 200
            assert reply.headers["Content-Type"] == "font/ttf"
            assert "immutable" in reply.headers["Cache-Control"]
            etag = reply.headers["ETag"]
        assert body[:4] == b"\x00\x01\x00\x00"  # a TrueType font, whatever the wire encoding
        async with session.get(font, headers={"If-None-Match": etag}) as reply:
            assert reply.status == 304
        script = f"{webapp.base_url}/app/static/{version}/js/main.js"
        async with session.get(script, headers={"Accept-Encoding": "gzip"}) as reply:
            assert reply.headers["Content-Type"].startswith("text/javascript")
            assert reply.headers["Content-Encoding"] == "gzip"
            assert "import" in await reply.text()
        # A page left open across a release asks for the old version: today's file, not cached.
        async with session.get(f"{webapp.base_url}/app/static/v0ld/js/main.js") as reply:
            assert reply.status == 200 and reply.headers["Cache-Control"] == "no-cache"
        for missing in ("/app/static/../pages.py", "/app/static/js/%2e%2e/index.html"):
            async with session.get(webapp.base_url + missing) as reply:
                assert reply.status == 404
        async with session.get(webapp.base_url + "/app", allow_redirects=False) as reply:
            assert reply.status == 308 and reply.headers["Location"] == "/app/"


async def test_the_page_allows_no_other_origin_on_telegram_and_only_bales_script_on_bale(
    webapp: WebApp, bale_webapp: WebApp
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(webapp.base_url + "/app/") as reply:
            telegram_csp = reply.headers["Content-Security-Policy"]
            telegram_page = await reply.text()
        async with session.get(bale_webapp.base_url + "/app/") as reply:
            bale_csp = reply.headers["Content-Security-Policy"]
            bale_page = await reply.text()

    assert "script-src 'self';" in telegram_csp and "http" not in telegram_csp
    assert "script-src 'self' https://tapi.bale.ai;" in bale_csp
    assert '<meta name="native-script" content="">' in telegram_page
    assert 'content="https://tapi.bale.ai/miniapp.js?3"' in bale_page


async def test_the_texts_shown_before_sign_in_come_from_the_locale_files(webapp: WebApp) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(webapp.base_url + "/app/") as reply,
    ):
        page = await reply.text()

    start = page.index('<script type="application/json" id="boot-texts">') + len(
        '<script type="application/json" id="boot-texts">'
    )
    boot = json.loads(page[start : page.index("</script>", start)])
    assert set(boot) == {"fa", "en"}
    assert "دوباره از دکمهٔ ربات" in boot["fa"]["webapp.errors.unauthorized"]
    assert "open the dashboard again" in boot["en"]["webapp.errors.unauthorized"]
    assert "<title>داشبورد کارگروه</title>" in page
