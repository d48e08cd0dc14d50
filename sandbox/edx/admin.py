"""`courseware-sandbox edx ...`: out-of-band changes to the edX side, for drift tests and
demos. They write the store directly (no HTTP, no log entry), like an operator in Studio
or `./manage.py cms delete_course` (docs/platforms/edx.md §8)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sandbox.edx import auth, dates, models
from sandbox.state import prepare_state
from sandbox.store import transaction

_state_dir = click.option("--state-dir", required=True, type=click.Path(file_okay=False, path_type=Path))


@click.group()
def edx() -> None:
    """Change edX objects behind the API's back."""


@edx.command("delete-course")
@_state_dir
@click.argument("course_key")
def delete_course(state_dir: Path, course_key: str) -> None:
    """Delete a course run, its roles and assets (the CMS `delete_course` command)."""
    db = prepare_state(state_dir.resolve())
    with transaction(db):
        deleted = models.delete_course(db, course_key)
    if not deleted:
        raise click.ClickException(f"no course {course_key}")
    click.echo(json.dumps({"deleted": course_key}))


def _date(value: str | None) -> str | None:
    return None if value in (None, "", "null") else dates.normalise(value)


@edx.command("set-course")
@_state_dir
@click.argument("course_key")
@click.option("--title")
@click.option("--start")
@click.option("--end", help="An ISO datetime, or 'null' to clear it.")
@click.option("--enrollment-start", help="An ISO datetime, or 'null' to clear it.")
@click.option("--enrollment-end", help="An ISO datetime, or 'null' to clear it.")
@click.option("--certificate-available-date", help="An ISO datetime, or 'null' to clear it.")
@click.option("--pacing", type=click.Choice(["self", "instructor"]))
@click.option("--visibility", type=click.Choice(["both", "about", "none"]), help="catalog_visibility")
def set_course(
    state_dir: Path,
    course_key: str,
    title: str | None,
    start: str | None,
    end: str | None,
    enrollment_start: str | None,
    enrollment_end: str | None,
    certificate_available_date: str | None,
    pacing: str | None,
    visibility: str | None,
) -> None:
    """Edit a course run's fields as someone in Studio would."""
    db = prepare_state(state_dir.resolve())
    course = models.get_course(db, course_key)
    if course is None:
        raise click.ClickException(f"no course {course_key}")
    if title is not None:
        course.display_name = title
    for name, value in (
        ("start", start),
        ("end", end),
        ("enrollment_start", enrollment_start),
        ("enrollment_end", enrollment_end),
        ("certificate_available_date", certificate_available_date),
    ):
        if value is not None:
            setattr(course, name, _date(value))
    if pacing is not None:
        course.self_paced = pacing == "self"
    if visibility is not None:
        course.catalog_visibility = visibility
    with transaction(db):
        models.save_course(db, course)
    click.echo(json.dumps({"updated": course.key}))


@edx.command("add-user")
@_state_dir
@click.argument("username")
@click.option("--staff/--no-staff", default=False, help="Global staff (is_staff).")
def add_user(state_dir: Path, username: str, staff: bool) -> None:
    """Create (or update) a user, e.g. a course team member (docs/platforms/edx.md §7: members must exist)."""
    db = prepare_state(state_dir.resolve())
    models.ensure_user(db, username, staff)
    click.echo(json.dumps({"username": username, "is_staff": staff}))


@edx.command("add-client")
@_state_dir
@click.argument("username")
@click.option("--staff/--no-staff", default=True, help="Whether the application's user is global staff.")
@click.option(
    "--token-ttl",
    type=click.IntRange(min=1),
    default=auth.DEFAULT_TOKEN_TTL,
    show_default=True,
    help="expires_in of the tokens it gets, in seconds.",
)
def add_client(state_dir: Path, username: str, staff: bool, token_ttl: int) -> None:
    """Create an OAuth application for USERNAME and print its credentials as JSON."""
    db = prepare_state(state_dir.resolve())
    with transaction(db):
        client = auth.create_client(db, username, is_staff=staff, token_ttl=token_ttl)
    click.echo(json.dumps({"client_id": client.client_id, "client_secret": client.client_secret, "username": username}))
