"""Staff accounts: moderators and admins, their roles per site, and signing in.

A role is held per site: an admin of one site is nobody on another. Only the
accounts' roles decide what a staff member sees or changes; the admin panel
checks them through one decorator.
"""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from comments import audit, database, errors, passwords, sites
from comments.extensions import db
from comments.models import Moderator, ModeratorRole, Role, Site, utcnow


def normalise_email(email: str) -> str:
    """Return the email as accounts are keyed by, or raise ValidationFailed."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise errors.ValidationFailed(
            "That is not a valid email address.", errors={"email": "is not valid"}
        ) from exc
    return str(checked.normalized).lower()


def check_password(password: str) -> str:
    """Return the password if it is long enough, or raise ValidationFailed."""
    if len(password) < passwords.MIN_LENGTH:
        raise errors.ValidationFailed(
            f"A password needs at least {passwords.MIN_LENGTH} characters.",
            errors={"password": f"needs at least {passwords.MIN_LENGTH} characters"},
        )
    return password


def find(email: str) -> Moderator | None:
    """Return the account with this email, or None."""
    try:
        key = normalise_email(email)
    except errors.ValidationFailed:
        return None
    return db.session.scalar(select(Moderator).where(Moderator.email == key))


def add(
    email: str,
    *,
    role: Role,
    site_slugs: Iterable[str],
    password: str | None,
    actor: audit.Actor,
) -> Moderator:
    """Create an account, or give an existing one this role on these sites.

    A new account needs a password; for an existing one a password, when
    given, replaces the old one.
    """
    database.writing()
    role = Role(role)
    key = normalise_email(email)
    targets = [sites.get_site(slug) for slug in dict.fromkeys(site_slugs)]
    if not targets:
        raise errors.ValidationFailed("Name at least one site.", errors={"site": "required"})
    account = db.session.scalar(select(Moderator).where(Moderator.email == key))
    if account is None:
        if password is None:
            raise errors.ValidationFailed(
                "A new account needs a password.", errors={"password": "required"}
            )
        account = Moderator(email=key, password_hash="", session_epoch=0)
        db.session.add(account)
    if password is not None:
        account.password_hash = passwords.hash_password(check_password(password))
        account.session_epoch = (account.session_epoch or 0) + 1
    held = {r.site_id: r for r in account.roles}
    for site in targets:
        if site.id in held:
            before = held[site.id].role
            held[site.id].role = role
        else:
            before = None
            account.roles.append(ModeratorRole(site_id=site.id, role=role))
        db.session.flush()
        audit.record(
            actor,
            "staff.role",
            site_id=site.id,
            target=("moderator", account.id),
            before={"email": key, "role": before and str(before)},
            after={"email": key, "role": str(role)},
        )
    return account


def remove(email: str, *, site_slugs: Iterable[str] = (), actor: audit.Actor) -> Moderator:
    """Take an account's roles on these sites away, or delete the account when none are named."""
    database.writing()
    account = find(email)
    if account is None:
        raise errors.NotFound(f"There is no staff account for {email!r}.")
    slugs = list(site_slugs)
    ids = {sites.get_site(slug).id for slug in slugs}
    for held in list(account.roles):
        if not slugs or held.site_id in ids:
            audit.record(
                actor,
                "staff.remove",
                site_id=held.site_id,
                target=("moderator", account.id),
                before={"email": account.email, "role": str(held.role)},
            )
            account.roles.remove(held)
    if not slugs:
        db.session.delete(account)
    db.session.flush()
    return account


def of_site(site_id: int) -> list[tuple[Moderator, Role]]:
    """Return the staff of a site with their roles there, by email."""
    rows = db.session.execute(
        select(Moderator, ModeratorRole.role)
        .join(ModeratorRole, ModeratorRole.moderator_id == Moderator.id)
        .where(ModeratorRole.site_id == site_id)
        .order_by(Moderator.email)
    )
    return [(account, Role(role)) for account, role in rows]


def member(site_id: int, moderator_id: int) -> Moderator:
    """Return the account if it holds a role on the site, or raise NotFound."""
    account = db.session.get(Moderator, moderator_id) if 0 < moderator_id < 2**31 else None
    if account is None or role_on(account, site_id) is None:
        raise errors.NotFound("There is no such staff member on this site.")
    return account


def _keep_an_admin(site: Site, account: Moderator, role: Role | None) -> None:
    """Refuse to leave a site without an admin (its panel could not be managed again)."""
    if role_on(account, site.id) != Role.ADMIN or role == Role.ADMIN:
        return
    # Two admins demoting each other at once must not both succeed: lock the site.
    db.session.execute(select(Site.id).where(Site.id == site.id).with_for_update())
    admins = db.session.scalars(
        select(ModeratorRole.moderator_id).where(
            ModeratorRole.site_id == site.id, ModeratorRole.role == Role.ADMIN
        )
    ).all()
    if set(admins) <= {account.id}:
        raise errors.Conflict(
            f"{account.email} is the last admin of {site.name}: make someone else an admin "
            "first, so that the site always has one.",
            code="last_admin",
        )


def add_to_site(
    site: Site, email: str, *, role: Role, password: str | None, actor: audit.Actor
) -> tuple[Moderator, bool]:
    """Give an account a role on a site, creating it with ``password`` if it is new.

    An existing account keeps its password: an admin of one site never sets
    the password of an account that may also work for other sites. Return
    the account and whether it was created.
    """
    database.writing()
    account = find(email)
    if account is not None:
        _keep_an_admin(site, account, Role(role))
    made = add(
        email,
        role=role,
        site_slugs=[site.slug],
        password=password if account is None else None,
        actor=actor,
    )
    return made, account is None


def change_role(site: Site, moderator_id: int, role: Role, *, actor: audit.Actor) -> Moderator:
    """Give a member of a site's staff another role there (never the site's last admin away)."""
    database.writing()
    account = member(site.id, moderator_id)
    _keep_an_admin(site, account, Role(role))
    return add(account.email, role=role, site_slugs=[site.slug], password=None, actor=actor)


def revoke(site: Site, moderator_id: int, *, actor: audit.Actor) -> Moderator:
    """Take a staff member's role on a site away (never the site's last admin)."""
    database.writing()
    account = member(site.id, moderator_id)
    _keep_an_admin(site, account, None)
    return remove(account.email, site_slugs=[site.slug], actor=actor)


def list_all() -> list[Moderator]:
    """Return every staff account, by email."""
    return list(db.session.scalars(select(Moderator).order_by(Moderator.email)))


def authenticate(email: str, password: str) -> Moderator | None:
    """Return the account if the password is right; as slow for an unknown email."""
    account = find(email)
    if not passwords.verify(account.password_hash if account else None, password):
        return None
    return account


def signed_in(account: Moderator, password: str) -> None:
    """Note a successful sign-in (and upgrade an old password hash) in the caller's unit."""
    database.writing()
    account.last_login_at = utcnow()
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)


def signed_out(account: Moderator) -> None:
    """End every session of the account: cookies issued before now stop working."""
    database.writing()
    account.session_epoch = (account.session_epoch or 0) + 1


def role_on(account: Moderator, site_id: int) -> Role | None:
    """Return the account's role on a site, or None."""
    for held in account.roles:
        if held.site_id == site_id:
            return Role(held.role)
    return None


def site_ids(account: Moderator, *, at_least: Role = Role.MODERATOR) -> list[int]:
    """Return the sites on which the account holds ``at_least`` this role."""
    wanted = {Role.ADMIN} if at_least == Role.ADMIN else {Role.ADMIN, Role.MODERATOR}
    return sorted(r.site_id for r in account.roles if Role(r.role) in wanted)
