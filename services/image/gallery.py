"""Our copies of the portraits, by signed links that expire: each file, and each order's
gallery page, which works in any browser, without WhatsApp."""

from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.image.handlers import gallery, portrait_file
from shared.injection import call

router = APIRouter(tags=["portraits"])


@dataclass(frozen=True)
class Signed:
    """What makes a link ours: when it stops working, and its HMAC."""

    expires: int = Query(ge=0, le=2**40, description="when the link stops working (Unix time)")
    signature: str = Query(pattern="^[0-9a-f]{1,64}$", description="the link's HMAC, in hex")


GONE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such link, a forged or altered one, or it has expired"}
}


@router.get(
    "/portraits/{name:path}",
    summary="One portrait, as we keep it (a signed link that expires)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}, **GONE},
)
def portrait(name: str, request: Request, link: Annotated[Signed, Depends()]) -> Response:
    ports = request.app.state.deps.ports
    data, content_type = call(
        portrait_file, ports, f"portraits/{name}", link.expires, link.signature
    )
    # Private to whoever holds the link; the file never changes under its name.
    return Response(
        data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"}
    )


@router.get(
    "/documents/{name:path}",
    summary="One portrait, full size, as a PDF document (what WhatsApp sends as a file)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **GONE},
)
def document(name: str, request: Request, link: Annotated[Signed, Depends()]) -> Response:
    ports = request.app.state.deps.ports
    data, content_type = call(
        portrait_file, ports, f"documents/{name}", link.expires, link.signature
    )
    return Response(
        data,
        media_type=content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'attachment; filename="{_document_name(name)}"',
        },
    )


def _document_name(name: str) -> str:
    """portraits/…/<prompt>-<n>.png.pdf → portrait-<prompt>-<n>.pdf"""
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    return f"portrait-{stem}.pdf" if stem.replace("-", "").isalnum() else "portrait.pdf"


@router.get(
    "/gallery/{order_id}",
    summary="An order's portraits on one page, each downloadable full size",
    response_class=HTMLResponse,
    responses=GONE,
)
def gallery_page(
    order_id: str, request: Request, link: Annotated[Signed, Depends()]
) -> HTMLResponse:
    ports = request.app.state.deps.ports
    pictures = call(gallery, ports, order_id, link.expires, link.signature)
    items = "\n".join(
        f'<figure><a href="{escape(full)}"><img src="{escape(small)}" alt="Portrait {n}" '
        f'loading="lazy"></a><figcaption><a href="{escape(full)}" download>'
        f"Download full size</a></figcaption></figure>"
        for n, (small, full) in enumerate(pictures, 1)
    )
    return HTMLResponse(
        PAGE.format(count=len(pictures), items=items),
        headers={
            "Content-Security-Policy": (
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
            ),
            "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex",
            "Cache-Control": "private, no-store",
        },
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Your portraits</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; background: #f4f1ea; color: #222; }}
main {{ display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }}
figure {{ margin: 0; background: #fff; border-radius: 8px; overflow: hidden; }}
img {{ width: 100%; display: block; }}
figcaption {{ padding: .5rem .75rem; }}
</style></head>
<body><h1>Your {count} portraits</h1>
<p>Tap one to open it full size. This page stops working when the link expires.</p>
<main>
{items}
</main></body></html>
"""
