"""Core's own contributions through the plugin contract."""
from __future__ import annotations

from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import Importer, MenuItem
from core.i18n import N_


@hookimpl(trylast=True)
def duban_menu_items(user: User) -> list[MenuItem]:
    items = [MenuItem("auth.change_password", N_("Change password"), order=900,
                      description=N_("Set a new password for your account."))]
    if user.role in (Role.admin, Role.supervisor, Role.leader):
        items.append(MenuItem("units.index", N_("Units"), order=800,
                              description=N_("The unit hierarchy and region codes.")))
    if user.role in (Role.admin, Role.supervisor, Role.auditor, Role.evaluator):
        items.append(MenuItem("imports.index", N_("Imports"), order=700,
                              description=N_("Check a file row by row, then import it.")))
    if user.role == Role.admin:
        items.append(MenuItem("users.index", N_("Accounts"), order=810,
                              description=N_("Create accounts, set roles and units.")))
        items.append(MenuItem("audit.index", N_("Audit trail"), order=820,
                              description=N_("Every change, who made it and when.")))
    return items


@hookimpl
def duban_importers() -> list[Importer]:
    from core.org.importer import import_units

    return [Importer("units", N_("Units"), import_units, capability="units.manage")]
