"""Dates as the press writes them, to the day searchkit dates an article by.

ISO 8601 (``2022-03-12``, ``2022-03-12T10:00:00+01:00``), the French order
(``12/03/2022``, ``12.03.2022``), French words (``12 mars 2022``, ``mardi 1er
mars 2022``, ``12 mars 2022 à 10h30``, ``12 janv. 2022``) and RFC 822 as feeds
write it (``Sat, 12 Mar 2022 10:00:00 +0100``).  A small table of month names
does it: ``dateparser`` reads these and many more, but costs half a second to
import and 20 MB, and guesses (``03/12/2022`` would be 12 March or 3 December
by locale); searchkit reads only forms that are not ambiguous.  The day is the
one written, in the publisher's time zone: nothing is converted to Paris time.
"""

from __future__ import annotations

import datetime as _dt
import re

#: The years an article may be dated: a date outside them (9999-12-31, 0001-01-01)
#: is a placeholder or a typo, and weeks and months at the ends of the calendar
#: have no neighbours for a timeline to count in.
DATE_YEARS = (1000, 2999)

MONTHS = {
    **dict.fromkeys(("janvier", "janv"), 1),
    **dict.fromkeys(("février", "fevrier", "févr", "fevr", "fév", "fev"), 2),
    "mars": 3,
    **dict.fromkeys(("avril", "avr"), 4),
    "mai": 5,
    "juin": 6,
    **dict.fromkeys(("juillet", "juil"), 7),
    **dict.fromkeys(("août", "aout"), 8),
    **dict.fromkeys(("septembre", "sept"), 9),
    **dict.fromkeys(("octobre", "oct"), 10),
    **dict.fromkeys(("novembre", "nov"), 11),
    **dict.fromkeys(("décembre", "decembre", "déc", "dec"), 12),
}
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

_MONTH = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
#: ``[mardi] 1er mars 2022``, found anywhere in a line (a Europresse header
#: says ``International, samedi 12 mars 2022 1234 mots, p. 3``).
FRENCH_DATE = re.compile(
    rf"(?<!\w)(?:(?:{'|'.join(WEEKDAYS)}),?\s+)?(\d{{1,2}})(?:er|ᵉʳ)?\s+({_MONTH})\.?\s+(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
#: What may follow a French date written alone: a time, ``à 10h30``, ``10:30:00``.
_FRENCH_TIME = re.compile(r"(?:\s*(?:,|à|-)?\s*\d{1,2}\s*(?:h|:)\s*(?:\d{2})?(?::\d{2})?(?:\s*\w{0,5})?)?\s*")
#: ``12/03/2022``, ``12-03-2022``, ``12.03.2022``: day first, as in France, a year of four digits.
NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2})?)?")
#: ``2022/03/12``, as some spreadsheets write the ISO order.
SLASHED_ISO = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")


def is_valid_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date written YYYY-MM-DD."""
    try:
        return _dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def day_of(text: str) -> str | None:
    """The day (YYYY-MM-DD) of a date or an ISO 8601 date and time, or None.

    Feeds and CMS exports date articles to the second (``2022-03-01T10:00:00``,
    ``2022-03-01 10:00:00Z``, ``…+01:00``); searchkit dates by the day, and
    keeps the day as written, in the publisher's time zone: an article of
    ``2022-03-01T23:30:00-05:00`` is of 1 March where it was published, though
    it was 2 March in Paris.  Anything else after the day (``2022-03-01abc``,
    an hour 25) is not a date.
    """
    day, clock = text[:10], text[10:]
    if not is_valid_date(day):
        return None
    if clock:
        if clock[0] not in "Tt ":
            return None
        try:
            _dt.datetime.fromisoformat(f"{day}T{clock[1:]}")
        except ValueError:
            return None
    return day


def parse_day(text: str) -> str | None:
    """The day (YYYY-MM-DD) of a date in any form of the module's docstring, or None."""
    text = " ".join(text.split())
    if not text:
        return None
    if text[:4].isdigit():
        if found := day_of(text):
            return found
        if match := SLASHED_ISO.fullmatch(text):
            return _day(match[1], match[2], match[3])
    if match := NUMERIC_DATE.fullmatch(text):
        return _day(match[4], match[3], match[1])
    if (match := FRENCH_DATE.match(text)) and _FRENCH_TIME.fullmatch(text, match.end()):
        return _french_day(match)
    return _rfc822_day(text)


def find_day(text: str) -> str | None:
    """The day of the first French date written in ``text`` (a header line), or None."""
    for match in FRENCH_DATE.finditer(text):
        if found := _french_day(match):
            return found
    return None


def in_years(day: str) -> bool:
    """Whether the day ``day`` (YYYY-MM-DD) is within ``DATE_YEARS``."""
    return DATE_YEARS[0] <= int(day[:4]) <= DATE_YEARS[1]


def _french_day(match: re.Match) -> str | None:
    return _day(match[3], str(MONTHS[match[2].lower()]), match[1])


def _rfc822_day(text: str) -> str | None:
    """The day of an RFC 822 date (feeds), as written in its own zone; a
    parse needs a month name and a year of four digits, else it is not one."""
    if not re.search(r"\d{4}", text) or not re.search(r"[A-Za-z]{3}", text):
        return None
    from email.utils import parsedate_tz  # here: the email package is 3.5 ms of every search's start

    parts = parsedate_tz(text)
    if parts is None:
        return None
    return _day(str(parts[0]), str(parts[1]), str(parts[2]))


def _day(year: str, month: str, day: str) -> str | None:
    try:
        return _dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
