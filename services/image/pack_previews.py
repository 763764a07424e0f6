"""The packs' preview picture, which WhatsApp fetches when the bot sends it: public, as
the covers and prices in it are."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.image.handlers import pack_preview
from shared.injection import call

router = APIRouter(tags=["pack previews"])


@router.get(
    "/previews/{language}/{subject}.jpg",
    summary="The packs of a subject in one picture, numbered as the list that follows",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "a JPEG of the covers"},
        404: {"description": "no pack for this subject, or an unknown language"},
    },
)
def preview(language: str, subject: str, request: Request) -> Response:
    picture = call(pack_preview, request.app.state.deps.ports, subject, language)
    # Covers and prices change with a deploy, not by the minute.
    return Response(
        picture, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"}
    )
