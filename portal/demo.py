"""Demo data: people (a contract other checks rely on) and, through steps each app
registers in its ``demo.py``, the data of later capabilities. Idempotent."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from portal.models import Designation, Respondent, Role, User

# The published password of the demo only.
DEFAULT_PASSWORD = "demo-portal-2026"  # nosec B105

CORRESPONDENTS = [
    # username, ISO3, first name, last name, kind
    ("corr-fra", "FRA", "Claire", "Martin", Designation.Kind.FOCAL_POINT),
    ("corr-fra-2", "FRA", "Julien", "Bernard", Designation.Kind.CORRESPONDENT),
    ("corr-ken", "KEN", "Wanjiru", "Mwangi", Designation.Kind.FOCAL_POINT),
    ("corr-bra", "BRA", "Ana", "Souza", Designation.Kind.FOCAL_POINT),
    ("corr-jpn", "JPN", "Haruto", "Sato", Designation.Kind.FOCAL_POINT),
    ("corr-pol", "POL", "Katarzyna", "Nowak", Designation.Kind.FOCAL_POINT),
]
STAFF = [
    ("reviewer", Role.REVIEWER, "Rita", "Reviewer"),
    ("secadmin", Role.SECRETARIAT_ADMIN, "Samuel", "Administrator"),
    ("commission", Role.COMMISSION, "Carmen", "Delegate"),
]

_steps: list[tuple[int, Callable]] = []


def register_demo_step(order: int):
    def decorator(step: Callable) -> Callable:
        _steps.append((order, step))
        return step

    return decorator


def _person(username: str, role: str, first: str, last: str, password: str) -> User:
    person, _created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last, "email": f"{username}@demo.invalid"},
    )
    person.role = role
    person.is_staff = role == Role.SECRETARIAT_ADMIN
    person.set_password(password)
    person.save()
    return person


@transaction.atomic
def seed_people(*, password: str) -> dict[str, User]:
    people = {u: _person(u, role, first, last, password) for u, role, first, last in STAFF}
    secadmin = people["secadmin"]
    for username, iso3, first, last, kind in CORRESPONDENTS:
        person = _person(username, Role.CORRESPONDENT, first, last, password)
        people[username] = person
        respondent = Respondent.objects.get(code=iso3)
        if Designation.objects.active().filter(respondent=respondent, person=person).exists():
            continue
        Designation.objects.create(
            respondent=respondent,
            person=person,
            kind=kind,
            may_submit=kind == Designation.Kind.FOCAL_POINT,
            communication=f"Note verbale {iso3}/DEMO/1 (demonstration data)",
            designated_by=secadmin,
        )
    return people


def seed_demo(*, password: str = DEFAULT_PASSWORD, log: Callable[[str], None] = print) -> dict[str, User]:
    people = seed_people(password=password)
    log(f"People: {', '.join(sorted(people))} (password: {password})")
    for _order, step in sorted(_steps, key=lambda s: s[0]):
        step(people=people, log=log)
    return people
