"""The web app's own assets: the API documentation page and the icon come from the package, so both work
on an intranet with no internet (no CDN address anywhere in the page)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from lantian.web.app import static_dir


def test_api_docs_load_their_assets_from_the_package(client: Callable[[str | None], TestClient]) -> None:
    if not (static_dir() / "vendor" / "swagger-ui-bundle.js").exists():
        pytest.skip("Swagger UI not fetched (scripts/fetch-assets needs npm)")
    c = client(None)
    page = c.get("/api/docs")
    assert page.status_code == 200
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), "an asset from outside the package"
    assets = re.findall(r"""['"](/static/[^'"]+)['"]""", page.text)
    assert {"/static/vendor/swagger-ui-bundle.js", "/static/vendor/swagger-ui.css"} <= set(assets)
    for path in assets:
        assert c.get(path).status_code == 200, path
    assert "/api/v1/openapi.json" in page.text


def test_every_page_has_an_icon(client: Callable[[str | None], TestClient]) -> None:
    c = client(None)
    assert '<link rel="icon" href="/static/favicon.svg"' in c.get("/public").text
    icon = c.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
