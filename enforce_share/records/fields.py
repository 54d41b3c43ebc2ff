"""Field types for enforcement records: countries, currencies, HS codes, ECCNs, agencies."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, ClassVar

import pycountry
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .. import members

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
_HS_CODE = re.compile(r"^[0-9]{6,10}$")
# Commerce Control List numbers (e.g. 3A001.a.2, 5A992.c, 0A606.a) and the EAR99 basket.
_ECCN = re.compile(r"^(EAR99|[0-9][A-E][0-9]{3}(\.[a-z0-9]+)*)$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
#: The same rules as JSON Schema patterns (the published contract, sync/contract.py).
TIMESTAMP_PATTERN, UUID_PATTERN = _TIMESTAMP.pattern, _UUID.pattern
#: What text may not hold: the C0 controls but tab and line feed (so CR too: a line ends
#: with LF alone), DEL and the C1 controls. PostgreSQL cannot store NUL in text at all, and
#: the others are invisible on screen, break one-line logs, or start terminal escapes.
CONTROL_CHARACTERS = r"\u0000-\u0008\u000b-\u001f\u007f-\u009f"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
#: The same rule as a JSON Schema (ECMA-262) pattern; ``$`` cannot let a refused character
#: slip through before a final newline, because newline is allowed anyway.
TEXT_PATTERN = f"^[^{CONTROL_CHARACTERS}]*$"
#: What a one-line problem report may not carry: every control character, and lone
#: surrogates (no UTF-8 for them), whatever member names a partner sent.
_REPORT_UNSAFE = re.compile(r"[\u0000-\u001f\u007f-\u009f\ud800-\udfff]")


class _Checked(fields.String):
    """A string that must pass one predicate; the value is kept exactly as sent.

    ``json_schema`` states the same rule in JSON Schema terms; it lands in the OpenAPI
    document and in the compiled record validator (records/jsonschema.py).
    """

    message = "Invalid value."
    json_schema: ClassVar[dict[str, Any]] = {}

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {**self.json_schema, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def check(self, value: str) -> bool:  # pragma: no cover - overridden
        raise AssertionError

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not self.check(text):
            raise ValidationError(self.message)
        return text


class Country(_Checked):
    """ISO 3166-1 alpha-2 country code, upper case (``AM``, ``RU``)."""

    message = "Not an ISO 3166-1 alpha-2 country code."
    json_schema = {"format": "iso3166-alpha2"}

    def check(self, value: str) -> bool:
        return is_country(value)


class Currency(_Checked):
    """ISO 4217 currency code (``USD``)."""

    message = "Not an ISO 4217 currency code."
    json_schema = {"format": "iso4217"}

    def check(self, value: str) -> bool:
        return is_currency(value)


class HSCode(_Checked):
    """Harmonized System code: 6 to 10 digits, no dots (``854231``)."""

    message = "HS code must be 6 to 10 digits."
    json_schema = {"pattern": _HS_CODE.pattern}

    def check(self, value: str) -> bool:
        return bool(_HS_CODE.fullmatch(value))


class ECCN(_Checked):
    """Export Control Classification Number (``3A001.a.2``) or ``EAR99``."""

    message = "Not an ECCN (e.g. 3A001.a.2 or EAR99)."
    json_schema = {"pattern": _ECCN.pattern}

    def check(self, value: str) -> bool:
        return bool(_ECCN.fullmatch(value))


class Pattern(_Checked):
    """A string matching ``regex`` in full (no trailing newline slips through ``$``)."""

    def __init__(self, regex: str, message: str, **kwargs: Any) -> None:
        self.regex, self.message = re.compile(regex), message
        kwargs["metadata"] = {"pattern": regex, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def check(self, value: str) -> bool:
        return bool(self.regex.fullmatch(value))


class Agency(_Checked):
    """An agency code: ISO 3166-1 alpha-3, upper case (whether it is a member's is the
    membership document's to say, ``members``: shapes do not change when it does)."""

    message = "Not an agency code (ISO 3166-1 alpha-3, upper case)."
    json_schema = {"pattern": members.CODE.pattern}

    def check(self, value: str) -> bool:
        return bool(members.CODE.fullmatch(value))


class MemberAgency(Agency):
    """An agency code that is a member's now (``members``): for what a person asks of this
    node (filters, recipients), never for records, whose shape cannot change with it."""

    message = "Not a member agency's code."

    def check(self, value: str) -> bool:
        return members.is_member(value)


class RecordId(_Checked):
    """A record id: a lower-case UUID version 4."""

    message = "Not a record id (lower-case UUID4)."
    json_schema = {"pattern": _UUID.pattern}

    def check(self, value: str) -> bool:
        return is_record_id(value)


class IsoDate(_Checked):
    """An ISO 8601 calendar date ``YYYY-MM-DD``, kept as text so the signed bytes stay as sent."""

    message = "Not an ISO 8601 date (YYYY-MM-DD)."
    json_schema = {"format": "date"}

    def check(self, value: str) -> bool:
        return is_date(value)


class Timestamp(_Checked):
    """An RFC 3339 UTC timestamp ending in ``Z`` (``2026-11-22T10:00:00Z``)."""

    message = "Not an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)."
    json_schema = {"format": "date-time"}

    def check(self, value: str) -> bool:
        return is_timestamp(value)


def is_country(value: str) -> bool:
    """An assigned ISO 3166-1 alpha-2 code."""
    return value in _COUNTRIES


def is_currency(value: str) -> bool:
    """An ISO 4217 alphabetic code."""
    return value in _CURRENCIES


def is_date(value: str) -> bool:
    """A real calendar day written ``YYYY-MM-DD``."""
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_record_id(value: str) -> bool:
    """A record id: a lower-case UUID version 4."""
    return bool(_UUID.fullmatch(value))


def is_timestamp(value: str) -> bool:
    """An instant written ``YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`` that exists on the calendar."""
    if not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        return False
    return True


class Number(fields.Float):
    """A JSON number (never a numeric string or a boolean), finite."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Must be a JSON number.")
        return super()._deserialize(value, attr, data, **kwargs)


class NoControlCharacters(validate.Validator):
    """Refuse a string holding a control character other than tab and newline."""

    def __call__(self, value: str) -> str:
        found = _CONTROL.search(value)
        if found:
            raise ValidationError(f"Control character U+{ord(found.group()):04X} at offset "
                                  f"{found.start()}: text holds none but tab and newline.")
        return value


_NO_CONTROL_CHARACTERS = NoControlCharacters()


def Text(max_length: int = 10_000, **kwargs: Any) -> fields.String:  # noqa: N802 - field factory
    """A non-empty bounded string without control characters but tab and newline."""
    kwargs["metadata"] = {"pattern": TEXT_PATTERN, **kwargs.get("metadata", {})}
    return fields.String(validate=[validate.Length(min=1, max=max_length),
                                   _NO_CONTROL_CHARACTERS], **kwargs)


def escape_controls(text: str) -> str:
    """``text`` fit to store and log as one line: control characters written ``\\uXXXX``.

    Tab, newline and lone surrogates too: problem reports name members a partner chose.
    """
    return _REPORT_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def Choice(choices: tuple[str, ...], **kwargs: Any) -> fields.String:  # noqa: N802 - field factory
    """A string from a closed vocabulary."""
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def ListOf(field: fields.Field, max_items: int = 1000, **kwargs: Any) -> fields.List:  # noqa: N802
    """A bounded list."""
    return fields.List(field, validate=validate.Length(max=max_items), **kwargs)


class Strict(Schema):
    """Base of every schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE
