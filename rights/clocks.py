"""Legal clocks as data: per jurisdiction, each kind of request's deadline, extension and legal basis.

Every figure names its source in a comment. Deadlines are dates: a request is on time if answered by the
end of its due date (UTC). ``due_date`` is the only place that does calendar arithmetic.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

ACCESS, CORRECTION, DELETION, RESTRICTION, OBJECTION, DO_NOT_SELL = (
    "access", "correction", "deletion", "restriction", "objection", "do_not_sell_or_share",
)
KINDS = {
    ACCESS: "Access: what do you hold about me?",
    CORRECTION: "Correction of what you hold about me",
    DELETION: "Deletion of what you hold about me",
    RESTRICTION: "Restriction of how you use it",
    OBJECTION: "Objection to how you use it",
    DO_NOT_SELL: "Do not sell or share it",
}

MONTHS, DAYS, BUSINESS_DAYS = "months", "days", "business_days"


@dataclass(frozen=True)
class Clock:
    """How long a vendor has: `amount` units from receipt, optionally extended once to `extended_total` units
    from receipt; `roll_past_weekend` moves a due date on a Saturday or Sunday to the Monday."""

    basis: str
    amount: int
    unit: str
    extended_total: int | None = None
    roll_past_weekend: bool = False

    @property
    def extendable(self):
        return self.extended_total is not None


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    law: str
    clocks: dict  # kind -> Clock; a kind the law does not give is absent


def _gdpr_clocks(regulation):
    # GDPR art. 12(3) (UK GDPR art. 12(3), same text): answer "within one month of receipt of the request",
    # "extended by two further months where necessary": three months from receipt in all.
    # Months per Regulation (EEC, Euratom) 1182/71 art. 3(2)(c): the period ends on the same date of the
    # last month, or that month's last day if it has no such date; art. 3(4): a period ending on a Saturday
    # or Sunday ends on the next working day (public holidays are not modelled). The ICO counts the same way.
    def clock(basis):
        return Clock(f"{regulation} {basis}", 1, MONTHS, extended_total=3, roll_past_weekend=True)

    return {
        ACCESS: clock("art. 15"),
        CORRECTION: clock("art. 16"),
        DELETION: clock("art. 17"),
        RESTRICTION: clock("art. 18"),
        OBJECTION: clock("art. 21(1)"),
        # No "sale" in the GDPR: stopping disclosure for marketing is the objection of art. 21(2), which is absolute
        # (art. 21(3)).
        DO_NOT_SELL: clock("art. 21(2)"),
    }


JURISDICTIONS = {
    "EU": Jurisdiction("EU", "European Union and EEA", "GDPR (Regulation (EU) 2016/679)", _gdpr_clocks("GDPR")),
    "UK": Jurisdiction("UK", "United Kingdom", "UK GDPR and the Data Protection Act 2018", _gdpr_clocks("UK GDPR")),
    "US-CA": Jurisdiction(
        "US-CA", "California", "CCPA as amended by the CPRA (Cal. Civ. Code 1798.100 ff.)",
        {
            # Cal. Civ. Code 1798.130(a)(2)(A): disclose, delete or correct within 45 days of receipt, extendable
            # once by 45 more "when reasonably necessary" with notice in the first 45 days: 90 from receipt.
            # Calendar days; Cal. Civ. Code 10 and Code Civ. Proc. 12a: a period whose last day is a Saturday,
            # Sunday or holiday runs to the next day that is not one (public holidays are not modelled).
            ACCESS: Clock("CCPA 1798.110 and 1798.130(a)(2)", 45, DAYS, extended_total=90, roll_past_weekend=True),
            CORRECTION: Clock("CCPA 1798.106 and 1798.130(a)(2)", 45, DAYS, extended_total=90, roll_past_weekend=True),
            DELETION: Clock("CCPA 1798.105 and 1798.130(a)(2)", 45, DAYS, extended_total=90, roll_past_weekend=True),
            # 11 CCR 7026(f): comply with an opt-out of sale or sharing no later than 15 business days from receipt;
            # no extension.
            DO_NOT_SELL: Clock("CCPA 1798.120; 11 CCR 7026(f)", 15, BUSINESS_DAYS),
            # The CCPA's restriction is the right to limit the use of sensitive personal information (1798.121);
            # 11 CCR 7027(g): no later than 15 business days from receipt; no extension.
            RESTRICTION: Clock("CCPA 1798.121; 11 CCR 7027(g)", 15, BUSINESS_DAYS),
            # The CCPA gives no general right to object: not offered.
        },
    ),
    "BR": Jurisdiction(
        "BR", "Brazil", "LGPD (Lei 13.709/2018)",
        {
            # LGPD art. 19, II: a clear and complete access answer within 15 days of the request; no extension.
            ACCESS: Clock("LGPD art. 18, II and art. 19, II", 15, DAYS),
            # Art. 18 para. 5 leaves the other rights' deadlines to regulation, which has set none: the access
            # figure (15 days) is applied to them too, as the strictest reading. Calendar days, no weekend roll.
            CORRECTION: Clock("LGPD art. 18, III", 15, DAYS),
            DELETION: Clock("LGPD art. 18, IV and VI", 15, DAYS),
            RESTRICTION: Clock("LGPD art. 18, IV (blocking)", 15, DAYS),
            OBJECTION: Clock("LGPD art. 18, para. 2", 15, DAYS),
            DO_NOT_SELL: Clock("LGPD art. 18, VII and IX", 15, DAYS),
        },
    ),
}


class NoSuchRight(ValueError):
    """The jurisdiction's law gives no such right (or the jurisdiction is unknown)."""


def clock_for(jurisdiction, kind) -> Clock:
    try:
        return JURISDICTIONS[jurisdiction].clocks[kind]
    except KeyError:
        raise NoSuchRight(f"{jurisdiction} law gives no right of kind {kind!r}") from None


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _add_business_days(start: date, days: int) -> date:
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def due_date(jurisdiction, kind, received: date, *, extended=False) -> date:
    """The last day on which the vendor's answer is on time, for a request received on `received`.

    Raises NoSuchRight for a kind the jurisdiction's law does not give, or an extension it does not allow.
    """
    clock = clock_for(jurisdiction, kind)
    if extended and not clock.extendable:
        raise NoSuchRight(f"{jurisdiction} law allows no extension for {kind!r}")
    amount = clock.extended_total if extended else clock.amount
    if clock.unit == MONTHS:
        due = _add_months(received, amount)
    elif clock.unit == BUSINESS_DAYS:
        due = _add_business_days(received, amount)
    else:
        due = received + timedelta(days=amount)
    if clock.roll_past_weekend:
        while due.weekday() >= 5:
            due += timedelta(days=1)
    return due


def end_of(day: date) -> datetime:
    """The instant a due date ends (UTC): the answer must come before it."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=dt_timezone.utc)


def deadline(jurisdiction, kind, received_at: datetime, *, extended=False) -> datetime:
    received = received_at.astimezone(dt_timezone.utc).date()
    return end_of(due_date(jurisdiction, kind, received, extended=extended))


def kinds_in(jurisdiction):
    """(kind, label) for the rights this jurisdiction's law gives, in KINDS order."""
    clocks = JURISDICTIONS[jurisdiction].clocks
    return [(kind, label) for kind, label in KINDS.items() if kind in clocks]
