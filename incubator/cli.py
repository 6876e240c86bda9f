"""Command-line tools (thin: they call services and commit)."""
from __future__ import annotations

import click
from flask import Flask

from .db import db


def register_cli(app: Flask) -> None:
    url = lambda: app.config["DATABASE_URL"]  # noqa: E731

    @app.cli.group("db")
    def db_group():
        """Database migrations (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision):
        from . import migrate
        migrate.upgrade(url(), revision)

    @db_group.command("downgrade")
    @click.argument("revision", default="-1")
    def db_downgrade(revision):
        from . import migrate
        migrate.downgrade(url(), revision)

    @db_group.command("current")
    def db_current():
        from . import migrate
        migrate.current(url())

    @db_group.command("check")
    def db_check():
        from . import migrate
        migrate.check(url())

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message):
        from . import migrate
        migrate.revision(url(), message)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database holds no users yet.")
    def seed_demo(if_empty):
        """Load the demo community (three carriers, ~60 companies, demo users)."""
        from .demo import database_is_empty
        from .demo import seed_demo as run
        session = db.Session()
        try:
            if if_empty and not database_is_empty(session):
                click.echo("The database already holds data; demo not loaded.")
                return
            run(session)
            session.commit()
        finally:
            session.close()
        click.echo("Demo community loaded.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", default=None)
    @click.option("--role", "roles", multiple=True, required=True)
    @click.password_option()
    def create_user(username, name, roles, password):
        """Create a staff account (e.g. the first admin)."""
        from .accounts.services import create_user as create
        session = db.Session()
        try:
            create(session, None, username=username, display_name=name or username, password=password, roles=roles)
            session.commit()
        finally:
            session.close()
        click.echo(f"User {username} created.")

    @app.cli.command("lapse-applications")
    def lapse_applications():
        """Close returned applications whose supplement deadline has passed (the daily job does this too)."""
        from .jobs import lapse_applications as run
        numbers = run()
        click.echo(f"{len(numbers)} application(s) lapsed{': ' + ', '.join(numbers) if numbers else '.'}")

    @app.cli.command("generate-rent-charges")
    @click.option("--through", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Charge the periods started by this day (YYYY-MM-DD); default today.")
    def generate_rent_charges(through):
        """Charge every lease in force for its billing periods so far (the daily job does this too)."""
        from .jobs import generate_rent_charges as run
        added = run(through.date() if through else None)
        click.echo(f"{added} rent charge(s) added.")

    @app.cli.command("lapse-subsidy-claims")
    def lapse_subsidy_claims():
        """Close returned subsidy claims whose correction deadline has passed (the daily job does this too)."""
        from .jobs import lapse_subsidy_claims as run
        numbers = run()
        click.echo(f"{len(numbers)} subsidy claim(s) lapsed{': ' + ', '.join(numbers) if numbers else '.'}")

    @app.cli.command("propose-exits")
    def propose_exits():
        """Propose exit cases: assessment exit proposals, graduations, leases ending (the daily job does this too)."""
        from .jobs import propose_exits as run
        proposed, withdrawn = run()
        click.echo(f"{len(proposed)} exit case(s) proposed{': ' + ', '.join(proposed) if proposed else '.'}")
        if withdrawn:
            click.echo(f"{len(withdrawn)} withdrawn: {', '.join(withdrawn)}")

    @app.cli.command("audit-verify")
    def audit_verify():
        """Recompute the audit hash chain; exit 1 if it was tampered with."""
        from .audit.services import verify_chain
        session = db.Session()
        try:
            ok, count, message = verify_chain(session)
        finally:
            session.close()
        click.echo(f"{'OK' if ok else 'BROKEN'}: {count} entries checked ({message})")
        if not ok:
            raise SystemExit(1)
