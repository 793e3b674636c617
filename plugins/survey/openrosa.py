"""The OpenRosa side: the form list ODK Collect reads, and submissions it sends.

See the OpenRosa Form List API and Form Submission API. An instance is XML whose root carries
the form id; groups nest elements, repeats repeat them, ``meta/instanceID`` names the
submission so a retried upload is stored once.
"""
from __future__ import annotations

import hashlib
import io
import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from markupsafe import escape

from core.errors import ValidationError
from core.i18n import N_
from plugins.survey.models import Survey

MAX_SUBMISSION_BYTES = 1024 * 1024
# Groups and repeats nest a few levels deep in any real form; these bound what a hostile
# document can make the parser and the walk over it do.
MAX_DEPTH = 64
MAX_ELEMENTS = 50_000
NS = "http://openrosa.org/xforms/xformsList"


class SubmissionRejected(ValidationError):
    """An OpenRosa submission Duban cannot read."""


def form_list(surveys: list[Survey], download_url: Any) -> str:
    """The ``/formList`` document for ``surveys``; ``download_url(survey)`` gives each form's address."""
    items = []
    for survey in surveys:
        digest = hashlib.md5(survey.xform.encode()).hexdigest()  # noqa: S324 (OpenRosa asks for md5)
        items.append(f"<xform><formID>{escape(form_id(survey))}</formID><name>{escape(survey.title)}</name>"
                     f"<version>{escape(form_version(survey))}</version><hash>md5:{digest}</hash>"
                     f"<downloadUrl>{escape(download_url(survey))}</downloadUrl></xform>")
    return f'<?xml version="1.0" encoding="UTF-8"?><xforms xmlns="{NS}">{"".join(items)}</xforms>'


_INSTANCE_VERSION = re.compile(r'<instance>\s*<[^\s>]+[^>]*?\sversion="([^"]*)"')
KEY_LENGTH = 64  # SurveyResponse.submission_key


def form_version(survey: Survey) -> str:
    """The version the form declares (the settings sheet's ``version``, on the instance's root),
    which ODK Collect compares with the one it holds; Duban's own revision when it declares none."""
    match = _INSTANCE_VERSION.search(survey.xform)
    return match.group(1) if match and match.group(1) else str(survey.version)


def submission_key(instance_id: str) -> str:
    """The stored key of an instanceID: the whole ID when it fits, else a digest of the whole, so
    that two IDs sharing a long prefix are two submissions."""
    if len(instance_id) <= KEY_LENGTH - 2:
        return "o:" + instance_id
    return "o#" + hashlib.sha256(instance_id.encode()).hexdigest()[: KEY_LENGTH - 2]


def form_id(survey: Survey) -> str:
    """The id the served XForm carries (and every instance's root ``id`` attribute)."""
    return f"duban_{survey.slug}"


def response_xml(text: str) -> str:
    """An OpenRosa response document carrying ``text``."""
    return ('<?xml version="1.0" encoding="UTF-8"?><OpenRosaResponse xmlns="http://openrosa.org/http/response">'
            f'<message nature="submit_success">{escape(text)}</message></OpenRosaResponse>')


def read_instance(data: bytes, repeats: frozenset[str]) -> tuple[str, str, dict[str, Any]]:
    """Parse an instance: returns (form id, instanceID, answers tree); ``repeats`` names the repeats."""
    if len(data) > MAX_SUBMISSION_BYTES:
        raise SubmissionRejected(N_("The submission is too large."))
    root = parse_instance(data)
    form = root.attrib.get("id", "")
    answers, instance_id = _element(root, repeats)
    return form, instance_id, answers


def parse_instance(data: bytes) -> Element:
    """The instance's root element, read as a stream so that depth and size are checked as it grows.

    An instance nests no deeper than its form's groups and repeats; a document of
    100,000 nested elements would otherwise exhaust the stack of the walk below.
    """
    depth = elements = 0
    root: Element | None = None
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "end":
                depth -= 1
                continue
            if root is None:
                root = element
            depth += 1
            elements += 1
            if depth > MAX_DEPTH or elements > MAX_ELEMENTS:
                raise SubmissionRejected(N_("The submission nests too deeply or holds too many elements."))
    except SubmissionRejected:
        raise
    except Exception as exc:  # defusedxml raises its own types for entities and bad XML
        raise SubmissionRejected(N_("The submission is not a readable XForm instance.")) from exc
    if root is None:
        raise SubmissionRejected(N_("The submission is not a readable XForm instance."))
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element(node: Element, repeats: frozenset[str]) -> tuple[dict[str, Any], str]:
    """Flatten groups; collect repeated elements (repeats) as lists of instance trees."""
    out: dict[str, Any] = {}
    instance_id = ""
    for child in node:
        name = _local(child.tag)
        if name == "meta":
            found = child.find("{*}instanceID")
            if found is None:
                found = child.find("instanceID")
            instance_id = (found.text or "").strip() if found is not None else ""
            continue
        if len(child):
            if child.attrib.get("{http://openrosa.org/javarosa}template") is not None:
                continue  # an empty template instance, not an answer
            inner, _ = _element(child, repeats)
            if name in repeats:
                out.setdefault(name, []).append(inner)
            else:
                out.update(inner)
        elif name in repeats:
            out.setdefault(name, []).append({})
        else:
            out[name] = (child.text or "").strip()
    return out, instance_id

