"""Console test helpers: staff with real two-factor, a browser-like client, form posts."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from empower_api.accounts import staff as staff_accounts
from empower_api.accounts.models import User

STAFF_PASSWORD = "staff-password-long"
_numbers = itertools.count(1)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class StaffMember:
    user: User
    email: str
    totp: pyotp.TOTP
    backup_codes: list[str]

    def code(self, steps_ahead: int = 0) -> str:
        return self.totp.at(int(time.time()) + steps_ahead * self.totp.interval)


@pytest.fixture
def make_staff_member(session: Any) -> Any:
    """``make_staff_member(admin=False)`` → a staff account made as the CLI makes one."""

    def make(admin: bool = False) -> StaffMember:
        email = f"staff{next(_numbers)}-{uuid.uuid4().hex[:6]}@org.example"
        made = staff_accounts.create_staff_account(session, email=email,
                                                   password=STAFF_PASSWORD, admin=admin)
        session.commit()
        return StaffMember(made.user, email, pyotp.parse_uri(made.otpauth_uri),
                           made.backup_codes)

    return make


def csrf_token(client: FlaskClient, path: str = "/console") -> str:
    """The CSRF token of this browser's session, as a page's forms carry it."""
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, (path, page.status_code)
    return found.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any],
              token_from: str = "/console") -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def sign_in(client: FlaskClient, member: StaffMember, *, code: str | None = None,
            password: str = STAFF_PASSWORD) -> Any:
    """Both steps, as a browser does them; returns the code step's answer."""
    first = post_form(client, "/console/login", {"login": member.email, "password": password})
    assert first.status_code == 303, first.get_data(as_text=True)
    assert first.headers["Location"].endswith("/console/login/code")
    return post_form(client, "/console/login/code", {"code": code or member.code()},
                     token_from="/console/login/code")


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    """A client with no bearer token: a browser keeping cookies."""
    app.test_client_class = FlaskClient
    return app.test_client()


@pytest.fixture
def signed_in(app: Flask, make_staff_member: Any) -> Any:
    """``signed_in(admin=False)`` → (client, staff member), signed in to the console."""

    def make(admin: bool = False, member: StaffMember | None = None) -> tuple[FlaskClient,
                                                                               StaffMember]:
        member = member or make_staff_member(admin=admin)
        app.test_client_class = FlaskClient
        client = app.test_client()
        done = sign_in(client, member)
        assert done.status_code == 303, done.get_data(as_text=True)
        assert done.headers["Location"].endswith("/console")
        return client, member

    return make


def text(response: Any) -> str:
    return response.get_data(as_text=True)
