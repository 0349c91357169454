"""The {placeholders} of flow texts: plain names only, read the same way by validation and by the engine.

A flow text may name a value, `{coordinator}`, and nothing more: no format spec (`{coordinator:.0}` prints
nothing), no conversion (`{unit!r}`), no attribute or index access (`{unit.__class__}`, `{unit[0]}`). A spec or
an accessor can shorten, hide or reach past a value, so a text that uses one is refused by `lahitori flows
validate`, and `fill_plain` refuses it again at run time for the texts a consent is recorded to.
"""
from __future__ import annotations

import re
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass

_ACCESS = re.compile(r"[.\[]")


@dataclass(frozen=True)
class Placeholder:
    """One `{...}` of a text as Python's format string syntax reads it."""

    field: str  # everything before `!` or `:`: "coordinator", "unit[0]", "coordinator.__class__"
    spec: str  # after `:`; "" when there is none
    conversion: str | None  # after `!`: "r", "s", "a" (or any letter)

    @property
    def name(self) -> str:
        """The value named, without attribute or index access."""
        return _ACCESS.split(self.field, maxsplit=1)[0]

    @property
    def access(self) -> str:
        """The attribute or index access after the name ("" for a plain placeholder)."""
        return self.field[len(self.name):]

    @property
    def plain(self) -> bool:
        return not self.spec and self.conversion is None and not self.access

    def written(self) -> str:
        """The placeholder as the text has it, for messages."""
        conversion = f"!{self.conversion}" if self.conversion is not None else ""
        spec = f":{self.spec}" if self.spec else ""
        return "{" + self.field + conversion + spec + "}"


class BrokenTemplate(ValueError):
    """A lone brace: the text is no format string at all."""


class UnsafeTemplate(ValueError):
    """A placeholder that is not a plain, allowed name."""


def placeholders(text: str) -> list[Placeholder]:
    """Every placeholder of `text`, in order; BrokenTemplate on a lone `{` or `}`."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise BrokenTemplate(str(error)) from error
    return [Placeholder(field, spec or "", conversion) for _, field, spec, conversion in parsed if field is not None]


def fill_plain(template: str, values: Mapping[str, str], *, allowed: Collection[str], missing: str = "–") -> str:
    """Fill `template` from `values`, accepting only plain placeholders whose names are `allowed`.

    No format spec, conversion or attribute access is ever applied: the value is put in as it is, so a text
    cannot shorten or hide it. A name allowed but without a value becomes `missing`, as in other texts.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise BrokenTemplate(str(error)) from error
    out: list[str] = []
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        found = Placeholder(field, spec or "", conversion)
        if not found.plain:
            raise UnsafeTemplate(f"{found.written()}: only plain {{name}} placeholders are filled here")
        if found.name not in allowed:
            raise UnsafeTemplate(f"{found.written()}: not one of the values filled here")
        out.append(values.get(found.name) or missing)
    return "".join(out)
