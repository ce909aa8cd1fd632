"""The web page (the platform's Versions tab, item viewer, workflow map and audit search)
and the API docs, both served from this machine: no asset is fetched from the internet,
so they work offline and no request leaves the network the server is in."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PAGE_ASSETS = "/assets/web"
DOCS_ASSETS = "/assets/docs"

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    return HTMLResponse(files("interfaces.web").joinpath("index.html").read_text())


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    """Swagger UI with its script and styles from the installed ``fastapi_offline``."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="annoledger API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")


def install(app: FastAPI) -> None:
    """The page, its assets, and the API docs with theirs."""
    app.include_router(router)
    app.mount(PAGE_ASSETS, StaticFiles(directory=_folder("interfaces.web", "static")),
              name="web-assets")
    app.mount(DOCS_ASSETS, StaticFiles(directory=_folder("fastapi_offline", "static")),
              name="docs-assets")


def _folder(package: str, name: str) -> Path:
    return Path(str(files(package).joinpath(name)))
