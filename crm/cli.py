"""`flask --app crm crm ...`: administrators' commands, thin wrappers over the services."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from crm.extensions import db
from crm.models import User
from crm.models.user import RIGHTS, ROLES
from crm.services import seeding, users
from crm.services.records import InvalidValue

crm_cli = AppGroup("crm", help="Engage administration.")


def _user(email: str) -> User:
    user = users.by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}")
    return user


def _password(prompt: str) -> str:
    """From CRM_NEW_PASSWORD when scripted, otherwise asked for twice without echo."""
    return os.environ.get("CRM_NEW_PASSWORD") or click.prompt(
        prompt, hide_input=True, confirmation_prompt=True
    )


def _done(work, message: str) -> None:
    """Run a service call and commit, or say what was refused (nothing is saved)."""
    try:
        work()
    except (ValueError, InvalidValue) as problem:
        db.session.rollback()
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    click.echo(message)


@crm_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--area", "areas", multiple=True, help="An Area the user works in; repeat for more.")
@click.option("--national", is_flag=True, help="The user works in every Area.")
@click.option("--right", "rights", multiple=True, type=click.Choice(list(RIGHTS)),
              help="A right beyond the role; repeat for more.")  # fmt: skip
def create_user(email: str, name: str, role: str, areas: tuple[str, ...], national: bool,
                rights: tuple[str, ...]) -> None:  # fmt: skip
    """Create a staff account (password from CRM_NEW_PASSWORD or a prompt)."""
    try:
        user = users.create_account(email, name, _password("Password"), role, list(areas),
                                    national, list(rights))  # fmt: skip
    except ValueError as problem:
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role_label}, {user.area_names}; rights: "
               f"{user.rights_label})")  # fmt: skip


@crm_cli.command("set-password")
@click.option("--email", required=True)
def set_password(email: str) -> None:
    """Set a user's password and sign them out everywhere."""
    user = _user(email)
    password = _password("New password")
    _done(lambda: users.set_password(user, password),
          f"Password changed for {user.email}; their sessions have ended")


@crm_cli.command("deactivate-user")
@click.option("--email", required=True)
def deactivate_user(email: str) -> None:
    """Stop a user signing in, and end every session they have."""
    user = _user(email)
    _done(lambda: users.set_active(None, user, False), f"Deactivated {user.email}")


@crm_cli.command("reactivate-user")
@click.option("--email", required=True)
def reactivate_user(email: str) -> None:
    """Let a deactivated user sign in again."""
    user = _user(email)
    _done(lambda: users.set_active(None, user, True), f"Reactivated {user.email}")


@crm_cli.command("list-users")
def list_users() -> None:
    """List staff accounts with their role and Areas."""
    for user in users.list_users(None):
        state = "" if user.active else " [deactivated]"
        click.echo(f"{user.email}\t{user.role_label}\t{user.area_names}{state}")


@crm_cli.command("seed-reference")
def seed_reference() -> None:
    """Add the CPS Areas and the starting communities, keeping any already there."""
    areas, communities = seeding.load_reference_data()
    db.session.commit()
    click.echo(f"Added {areas} Areas and {communities} communities")


@crm_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing, quietly, if the database has data.")
def seed_demo(if_empty: bool) -> None:
    """Load the synthetic demo data (seeds/) into an empty database."""
    if not seeding.database_is_empty():
        if if_empty:
            click.echo("The database already has data: demo data not loaded")
            return
        click.echo("The database already has data: demo data is only loaded into an empty one")
        sys.exit(1)
    counts = seeding.load_demo_data()
    db.session.commit()
    click.echo(
        f"Loaded demo data: {counts['stakeholders']} stakeholders, {counts['contacts']} contacts, "
        f"{counts['engagements']} engagements, {counts['actions']} follow-up actions, "
        f"{counts['panels']} panels with {counts['memberships']} memberships and "
        f"{counts['meetings']} meetings, {counts['feedback']} pieces of feedback, "
        f"{counts['action plans']} action plans with {counts['plan actions']} actions, "
        f"4 demo accounts (password {seeding.DEMO_PASSWORD})"
    )


@crm_cli.command("check-deploy")
def check_deploy() -> None:
    """Refuse (exit 1, a line per problem) a configuration unsafe to serve for real."""
    import os

    from flask import current_app

    from crm.services import deploy_check

    found = deploy_check.problems(current_app.config, os.environ, current_app.debug)
    for problem in found:
        click.echo(f"Problem: {problem}")
    if found:
        sys.exit(1)
    click.echo("The configuration passed every deployment check")


def register_cli(app: Flask) -> None:
    app.cli.add_command(crm_cli)


@crm_cli.command("geocode")
def geocode() -> None:
    """Give stakeholders and engagements with a postcode and no location their coordinates."""
    from crm.services import geocoding

    counts = geocoding.geocode_all(
        lambda table, done, total: click.echo(f"{table}: {done:,} of {total:,}")
    )
    db.session.commit()
    click.echo(
        f"Placed {counts['postcode']:,} from their postcode; "
        f"{counts['not_found']:,} postcodes were not found (marked so, and listed on the map)"
    )


@crm_cli.command("import-postcodes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_postcodes(path: str) -> None:
    """Import an ONS Postcode Directory CSV or zip; lookups switch to it when complete."""
    from pathlib import Path

    from crm.services import postcode_import

    set_id = postcode_import.start(Path(path).name, Path(path).stat().st_size)
    with click.progressbar(length=Path(path).stat().st_size, label="Reading") as bar:
        last = [0]

        def progress(done: int, total: int, loaded: int) -> None:
            bar.length = total or bar.length
            bar.update(done - last[0])
            last[0] = done

        try:
            loaded = postcode_import.load(set_id, Path(path), progress)
        except postcode_import.ImportProblem as problem:
            click.echo(f"\nNot imported: {problem}. Lookups still use the data they used before.")
            sys.exit(1)
    click.echo(f"Imported {loaded:,} postcodes; lookups now use them")


@crm_cli.command("import-boundaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--illustrative", is_flag=True, help="Mark the outlines as illustrative.")
def import_boundaries(path: str, illustrative: bool) -> None:
    """Import Area boundaries from a GeoJSON FeatureCollection (checked first)."""
    from pathlib import Path

    from crm.services import boundaries

    try:
        text = Path(path).read_text(encoding="utf-8")
        areas = boundaries.import_boundaries(None, text, Path(path).name, illustrative)
    except (boundaries.BoundaryProblems, UnicodeDecodeError) as problem:
        db.session.rollback()
        click.echo("Nothing imported. Problems:")
        for line in getattr(problem, "problems", [str(problem)]):
            click.echo(f"  - {line}")
        sys.exit(1)
    db.session.commit()
    click.echo(f"Imported boundaries for {len(areas)} Areas: {', '.join(a.name for a in areas)}")


@crm_cli.command("rebuild-summaries")
@click.option("--check", is_flag=True, help="Say what is wrong without changing anything.")
def rebuild_summaries(check: bool) -> None:
    """Work out every figure derived from engagements again, and say what it corrected."""
    from crm.services import engagement_figures

    fixed = engagement_figures.rebuild(dry_run=check)
    if check:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would correct" if check else "corrected"
    if not fixed.total:
        click.echo("Every derived figure was right: nothing to correct")
        return
    click.echo(
        f"Rebuilt the derived figures: {verb} {fixed.link_copies:,} link copies, "
        f"{fixed.community_reach:,} coverage rows, {fixed.engagement_places:,} map cells, "
        f"{fixed.engagement_days:,} daily engagement counts, "
        f"{fixed.last_engaged_on:,} last-engaged dates and {fixed.serves_seldom_heard:,} "
        "seldom-heard flags"
    )


@crm_cli.command("apply-retention")
def apply_retention() -> None:
    """Apply the retention rules now (for cron, nightly); a second run changes nothing."""
    from crm.services import retention

    run, done = retention.apply_part(None, limit=retention.PART)
    db.session.commit()
    while done:  # each part committed: SQLite's write lock is held seconds, not minutes
        run, done = retention.apply_part(None, limit=retention.PART, run=run)
        db.session.commit()
    click.echo(f"Retention applied: {run.summary}")


@crm_cli.command("worker")
@click.option("--threads", default=1, show_default=True, help="Jobs run at the same time.")
def worker(threads: int) -> None:
    """Run background jobs from the queue CRM_JOBS_URL names, until stopped (Ctrl-C)."""
    import logging

    from crm.jobs import queue, runner

    jobs_queue = queue.queue()
    if jobs_queue.immediate:
        raise click.ClickException(
            "CRM_JOBS_URL is 'immediate': jobs run inside the request, so no worker is needed"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopped = runner.reap()
    if stopped:
        click.echo(f"Marked {stopped} job(s) failed: their worker had stopped")
    click.echo(f"Running background jobs with {threads} thread(s); Ctrl-C stops")
    # Waiting for work, it looks at an embedded (SQLite) queue at least once a second.
    jobs_queue.huey.create_consumer(workers=threads, worker_type="thread", max_delay=1.0).run()


@crm_cli.command("backup")
@click.argument("destination", required=False)
def backup(destination: str | None) -> None:
    """Back up the database, safely while the app runs (to instance/backups by default)."""
    from flask import current_app

    from crm.services import backup as backups

    try:
        made = backups.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], destination)
    except backups.BackupProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Backed up to {made.path} ({made.size:,} bytes)")


@crm_cli.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm: replace everything in the database.")
def restore(source: Path, yes: bool) -> None:
    """Replace everything in the database with a backup (stop the app first)."""
    from flask import current_app

    from crm.services import backup as backups

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = backups.describe_database(url)
    try:
        found = backups.check_backup(source, backups.engine_of(url))
        if not yes:
            click.echo(f"This would replace everything in {target} with the backup {source} "
                       f"({found.size:,} bytes). Nothing was changed: stop the app, then run "
                       "this again with --yes")  # fmt: skip
            sys.exit(1)
        db.session.remove()
        db.engine.dispose()  # no connection of this process holds a lock on what is replaced
        backups.restore(url, source)
    except backups.BackupProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Restored {target} from {source}. If this code is newer than the backup, "
               "run `flask db upgrade` now")  # fmt: skip


@crm_cli.command("reset-two-factor")
@click.option("--email", required=True)
def reset_two_factor(email: str) -> None:
    """Clear a user's two-factor set-up (a lost phone; the last administrator locked out):
    they set it up again at their next sign-in. Their sessions end."""
    user = _user(email)
    _done(lambda: users.reset_two_factor(None, user),
          f"Two-factor sign-in reset for {user.email}; their sessions have ended")
