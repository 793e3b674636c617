"""Write a new Alembic revision for core or one plugin's branch (a developer tool).

    python -m core.migrations.revision core "add matters"
    python -m core.migrations.revision plugins.audit "findings" --path plugins/audit/migrations [--new-branch audit]

Compares the models with a scratch SQLite database migrated to the current heads
and writes only the tables defined by the chosen package's modules.
"""
from __future__ import annotations

import argparse
import importlib
import os
import tempfile
from typing import Any

from alembic import command

from core.db import Base, make_engine
from core.migrate import alembic_config, upgrade


def _owners() -> dict[str, str]:
    """Table name → module of the class mapped to it."""
    return {mapper.class_.__table__.name: mapper.class_.__module__ for mapper in Base.registry.mappers}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package", help="'core' or a plugin package such as plugins.audit")
    parser.add_argument("message")
    parser.add_argument("--path", help="the plugin's versions folder")
    parser.add_argument("--new-branch", help="label of a plugin branch started by this revision")
    args = parser.parse_args()

    from core.plugins import make_plugin_manager, migration_dirs

    pm = make_plugin_manager()
    importlib.import_module("core.models")
    dirs = migration_dirs(pm)
    if args.path and os.path.abspath(args.path) not in [os.path.abspath(d) for d in dirs]:
        os.makedirs(args.path, exist_ok=True)
        dirs.append(args.path)
    owners = _owners()

    def include(_obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        if type_ != "table":
            return True
        module = owners.get(name or "", "")
        return module == args.package or module.startswith(args.package + ".")

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine("sqlite:///" + os.path.join(scratch, "scratch.sqlite"))
        upgrade(engine, dirs)
        config = alembic_config(engine, dirs)
        config.attributes["include_object"] = include
        kwargs: dict[str, Any] = {"autogenerate": True, "message": args.message}
        if args.package == "core":
            kwargs["head"] = "core@head"
        elif args.new_branch:
            kwargs.update(head="base", branch_label=args.new_branch, version_path=args.path,
                          depends_on="core@head")
        else:
            kwargs.update(head=f"{args.package.rsplit('.', 1)[-1]}@head", version_path=args.path)
        command.revision(config, **kwargs)


if __name__ == "__main__":
    main()
