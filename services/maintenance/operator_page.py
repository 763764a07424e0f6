"""The operator's page: one HTML file and its script, no build step, like the chat page.

The page itself holds nothing secret; it asks for the operator token and sends it on each
call to the operator API, which is where the protection is.
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from shared.errors import NotFound

STATIC = Path(__file__).parent / "static"
FILES = {"operator.js": "text/javascript", "operator.css": "text/css"}
# Only our own script and style, and fetches to ourselves: an order's data cannot run code.
POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

router = APIRouter(include_in_schema=False)


@router.get("/operator")
def operator_root() -> RedirectResponse:
    return RedirectResponse("/operator/")


@router.get("/operator/")
def operator_page() -> FileResponse:
    return FileResponse(STATIC / "operator.html", headers={"Content-Security-Policy": POLICY})


@router.get("/operator/{name}")
def operator_file(name: str) -> FileResponse:
    if name not in FILES:
        raise NotFound(f"no file {name!r} on the operator page")
    return FileResponse(STATIC / name, media_type=FILES[name])
