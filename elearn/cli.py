"""Flask CLI commands (CONTRACT.md "Set-up and commands")."""
import click
from flask import Flask
from sqlalchemy import func, select

from .auth import service as accounts
from .auth.models import ROLES, User
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
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
        except DomainError as error:
            raise click.ClickException(error.message)
        db.session.commit()
        click.echo(f"Created {user.role} {user.email} (id {user.id}).")

    @app.cli.command("seed-demo")
    @click.option("--password", default=None, help="Password for every demo account.")
    @click.option("--if-empty", is_flag=True, help="Do nothing when any user exists.")
    def seed_demo(password, if_empty):
        """Create the demo platform (idempotent) and print the demo logins."""
        from .demo import DEFAULT_PASSWORD, seed_demo as build

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("Users exist already; demo data not seeded.")
            return
        logins = build(password or DEFAULT_PASSWORD)
        db.session.commit()
        click.echo(f"Demo data ready. Password for every demo account: {password or DEFAULT_PASSWORD}")
        for email, role in logins:
            click.echo(f"  {role:<10} {email}")
