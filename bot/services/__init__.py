"""The services: business rules, each a small class built once by `build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.config import Config
from bot.outbox import Outbox
from bot.scheduler import Scheduler
from bot.services.call_inbox import CallInbox
from bot.services.calls import CallService
from bot.services.contacts import ContactsService
from bot.services.fax import FaxService
from bot.services.guards import Guards
from bot.services.live_calls import LiveCallsService
from bot.services.people import PeopleService
from bot.services.routes import RoutesService
from bot.services.sms import SmsService
from bot.services.targets import TargetResolver
from bot.sipgate import SipgateClient
from bot.storage import Storage

ROLES = ("all", "web", "notifier")
# The sweeps (restart resumes) each role runs; "inbox" also says who applies push events.
ROLE_ALL = frozenset({"fax", "sms", "inbox", "outbox", "stale_calls"})
ROLE_WEB = frozenset({"fax", "sms", "stale_calls"})
ROLE_NOTIFIER = frozenset({"inbox", "outbox"})


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
    outbox: Outbox
    routes: RoutesService
    live_calls: LiveCallsService
    call_inbox: CallInbox
    fax: FaxService
    calls: CallService
    sms: SmsService


def build_services(
    config: Config,
    *,
    storage: Storage,
    sipgate: SipgateClient,
    slack: WebClient,
    scheduler: Scheduler,
    clock: Callable[[], datetime],
    role: str = "all",
) -> Services:
    """Build every service once, wiring their collaborators.

    `role` says which background work this process runs (bot.notifier): "all" (one process,
    as in tests and the demo), "web" (a served worker: push events are applied by the notifier
    process) or "notifier" (that process: it applies push events and delivers call messages).
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    owns = {"all": ROLE_ALL, "web": ROLE_WEB, "notifier": ROLE_NOTIFIER}[role]
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
    fax = FaxService(
        storage=storage,
        sipgate=sipgate,
        slack=slack,
        people=people,
        targets=targets,
        scheduler=scheduler,
        clock=clock,
        bot_token=config.slack_bot_token,
        files_url=config.slack_files_url,
    )
    if "fax" in owns:
        scheduler.add_sweep("fax", fax.resume)
    outbox = Outbox(storage=storage, slack=slack, scheduler=scheduler, clock=clock)
    routes = RoutesService(
        storage=storage,
        sipgate=sipgate,
        region=config.default_region,
        calls_channel=config.calls_channel,
        clock=clock,
    )
    live_calls = LiveCallsService(
        storage=storage,
        sipgate=sipgate,
        people=people,
        contacts=contacts,
        routes=routes,
        outbox=outbox,
        scheduler=scheduler,
        clock=clock,
        region=config.default_region,
    )
    call_inbox = CallInbox(
        storage=storage,
        live_calls=live_calls,
        scheduler=scheduler,
        clock=clock,
        apply_here="inbox" in owns,
    )
    for name, sweep in (
        ("inbox", call_inbox.apply),
        ("outbox", outbox.sweep),
        ("stale_calls", live_calls.close_stale),
    ):
        if name in owns:
            scheduler.add_sweep(name, sweep)
    sms = SmsService(
        storage=storage,
        sipgate=sipgate,
        slack=slack,
        people=people,
        targets=targets,
        scheduler=scheduler,
        clock=clock,
        company_extension=config.sms_extension,
        rate_limit=config.sms_rate_limit,
        max_days=config.sms_max_days_ahead,
    )
    if "sms" in owns:
        scheduler.add_sweep("sms", sms.resume)
    calls = CallService(
        storage=storage,
        sipgate=sipgate,
        people=people,
        contacts=contacts,
        targets=targets,
        region=config.default_region,
        clock=clock,
    )
    return Services(
        sms=sms,
        outbox=outbox,
        routes=routes,
        live_calls=live_calls,
        call_inbox=call_inbox,
        fax=fax,
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
        calls=calls,
    )
