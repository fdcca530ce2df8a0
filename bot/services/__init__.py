"""The services: business rules, each a small class built once by `build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.config import Config
from bot.scheduler import Scheduler
from bot.services.contacts import ContactsService
from bot.services.guards import Guards
from bot.services.people import PeopleService
from bot.services.targets import TargetResolver
from bot.sipgate import SipgateClient
from bot.storage import Storage


@dataclass(frozen=True)
class Services:
    """Everything handlers and jobs may use, passed in explicitly."""

    config: Config
    storage: Storage
    sipgate: SipgateClient
    slack: WebClient
    scheduler: Scheduler
    clock: Callable[[], datetime]
    people: PeopleService
    contacts: ContactsService
    guards: Guards
    targets: TargetResolver


def build_services(
    config: Config,
    *,
    storage: Storage,
    sipgate: SipgateClient,
    slack: WebClient,
    scheduler: Scheduler,
    clock: Callable[[], datetime],
) -> Services:
    """Build every service once, wiring their collaborators."""
    people = PeopleService(
        storage=storage, sipgate=sipgate, slack=slack, admins=config.admin_users, clock=clock
    )
    contacts = ContactsService(
        storage=storage,
        sipgate=sipgate,
        region=config.default_region,
        clock=clock,
        run_soon=scheduler.run_soon,
    )
    guards = Guards(region=config.default_region, allowed_countries=config.allowed_countries)
    targets = TargetResolver(
        people=people,
        contacts=contacts,
        guards=guards,
        sipgate=sipgate,
        region=config.default_region,
    )
    return Services(
        config=config,
        storage=storage,
        sipgate=sipgate,
        slack=slack,
        scheduler=scheduler,
        clock=clock,
        people=people,
        contacts=contacts,
        guards=guards,
        targets=targets,
    )
