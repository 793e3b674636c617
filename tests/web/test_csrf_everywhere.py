"""Every state-changing route refuses a post without a valid CSRF token."""
from __future__ import annotations

from core.access.models import Role
from web.extensions import csrf

# Routes that authenticate otherwise (bearer tokens, OpenRosa clients) may be exempt, and the
# survey answer page, whose signed form token is bound to a browser cookie (a double-submit
# token; tests/plugins/survey/test_respond.py shows a cross-site post refused).
ALLOWED_EXEMPT_PREFIXES = ("/api/", "/submission", "/formList", "/collect/", "/s/")


def _sample_url(rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__
        value = "1" if converter in ("IntegerConverter", "NumberConverter") else "x"
        url = url.replace(f"<{argument}>", value)
        for kind in ("int", "string", "path", "uuid", "float"):
            url = url.replace(f"<{kind}:{argument}>", value)
    return url


def test_every_post_route_needs_a_csrf_token(app, client, auth, org):
    org.user("root", Role.admin)
    auth.login("root")
    exempt = {view for view in csrf._exempt_views}
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        view = app.view_functions[rule.endpoint]
        name = f"{view.__module__}.{view.__name__}"
        url = _sample_url(rule)
        if name in exempt or (rule.endpoint.split(".")[0] in csrf._exempt_blueprints):
            assert url.startswith(ALLOWED_EXEMPT_PREFIXES), f"{url} is exempt from CSRF"
            continue
        for forged in (None, "forged-token"):
            data = {} if forged is None else {"csrf_token": forged}
            response = client.post(url, data=data, csrf=False)
            assert response.status_code == 400, (url, forged, response.status_code)
        checked.append(url)
    assert "/login" in checked and "/logout" in checked
