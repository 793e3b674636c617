"""The QR code of a survey's public link, for posters and letters: drawn on the server as SVG (no network)."""
from __future__ import annotations

import io

import segno
from flask import make_response, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from plugins.survey.models import Survey
from plugins.survey.views import bp
from web.plugin_api import capability_required, request_scope


def qr_svg(text: str, title: str) -> bytes:
    """``text`` as a QR code in SVG: medium error correction (a poster may be folded or smudged),
    the quiet zone of four modules that readers expect, white behind it for dark pages."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=False, title=title,
                                     dark="#000", light="#fff")
    return out.getvalue()


@bp.get("/surveys/<int:survey_id>/qr.svg")
@capability_required("survey.view")
def public_link_qr(survey_id: int) -> Response:
    """The QR code of the survey's public link (``?download=1`` saves it as a file)."""
    survey = request_scope().get(Survey, survey_id)
    link = url_for("survey.respond", slug=survey.slug, _external=True)
    response = make_response(qr_svg(link, gettext("Public link of %(title)s", title=survey.title)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, max-age=300"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.slug}-qr.svg"'
    return response
