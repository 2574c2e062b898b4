"""Flask CLI commands."""
import click
from flask import Flask
from sqlalchemy import func, select

from .auth import service as accounts
from .auth.models import ROLES, User
from .cache import invalidate_everything
from .errors import DomainError
from .extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--password", required=True)
    @click.option("--name", default=None, help="Display name (defaults to the email's local part).")
    def create_user(email, role, password, name):
        """Create a user with the given role."""
        from pydantic import ValidationError

        from .auth.schemas import UserCreateIn

        try:
            data = UserCreateIn(email=email, password=password, role=role,
                                name=name or email.split("@")[0])
            user = accounts.create_user(data.email, data.password, data.name, data.role)
        except ValidationError as error:
            raise click.ClickException("; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())) from error
        except DomainError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
        click.echo(f"Created {user.role} {user.email} (id {user.id}).")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst):
        """Run background jobs (email, reminders, digests) and their schedule, from Redis."""
        from .jobs.queue import RQRunner, run_worker

        if not isinstance(app.extensions["elearn.jobs"], RQRunner):
            raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inside the web process "
                                       "(no worker needed).")
        run_worker(app, burst=burst)

    @app.cli.command("seed-demo")
    @click.option("--password", default=None, help="Password for every demo account.")
    @click.option("--if-empty", is_flag=True, help="Do nothing when any user exists.")
    def seed_demo(password, if_empty):
        """Create the demo platform (idempotent) and print the demo logins."""
        from .synthetic.demo import DEFAULT_PASSWORD
        from .synthetic.demo import seed_demo as build

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("Users exist already; demo data not seeded.")
            return
        logins = build(password or DEFAULT_PASSWORD)
        db.session.commit()
        invalidate_everything()
        click.echo(f"Demo data ready. Password for every demo account: {password or DEFAULT_PASSWORD}")
        for email, role in logins:
            click.echo(f"  {role:<10} {email}")

    @app.cli.command("generate")
    @click.option("--students", type=click.IntRange(min=0), required=True, help="How many students.")
    @click.option("--courses", type=click.IntRange(min=1), required=True, help="How many courses.")
    @click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same rows.")
    @click.option("--password", default=None,
                  help="Password for every generated account (default: the demo password).")
    @click.option("--instructors", type=click.IntRange(min=1), default=None,
                  help="How many instructors (default: one per ten courses).")
    def generate(students, courses, seed, password, instructors):
        """Fill the database with a deterministic synthetic platform, for measuring.

        Students are student<k>@example.com, numbered after any already there (such as
        the demo's); every generated account shares one password. A database that already
        has generated data is refused. Times are spread over the six months before the
        start of the current hour: the same seed on the same starting database gives the
        same rows within that hour. Learners hold the badges their history earned.
        """
        import time

        from .db_types import utcnow
        from .synthetic.generate import DEFAULT_PASSWORD, generate_platform

        password = password or DEFAULT_PASSWORD
        if not 8 <= len(password) <= 128:
            raise click.BadParameter("must be 8 to 128 characters long.", param_hint="--password")
        started = time.perf_counter()
        click.echo(f"Generating {students:,} students and {courses:,} courses (seed {seed}) ...")
        try:
            platform = generate_platform(
                students, courses, seed=seed, password=password, instructors=instructors,
                now=utcnow().replace(minute=0, second=0, microsecond=0), echo=click.echo)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
        invalidate_everything()
        for line in platform.summary_lines(time.perf_counter() - started, password):
            click.echo(line)
