"""Parsers of source documents: plain text in, records out, never touching SQLite.

``LOADERS`` maps a loader's name, as a manifest entry's ``loader:`` gives it
(else the entry's publisher id), to its parser ``parse(text, document) ->
Parsed``.  A loader written for one layout raises ParseError on a document
of another, never anything else: ``fits`` says whether it takes a text.

Each loader also says which lines of a text it parsed look like the start of
one of its numbered items (``1.``, ``一、``, ``（一）``, ``建議一``, as it numbers
them) and belong to no row (``unread``): a parsed document carries them in
``Parsed.unread``, and the build warns of each one.
"""

import functools

from kb.records import ParseError, Parsed
from loaders import bdc, cma, dsedt, generic, hkpc, hksarg

# The errors a loader written for one layout may hit on another.
_MISFIT_ERRORS = (IndexError, KeyError, ValueError, AttributeError, StopIteration, TypeError)


_MODULES = {"bdc": bdc, "cma": cma, "dsedt": dsedt, "generic": generic, "hkpc": hkpc, "hksarg": hksarg}


def _guarded(name: str, module):
    """The module's ``parse``, with any error other than ParseError reported
    as one, and its ``unread`` lines found."""

    @functools.wraps(module.parse)
    def guarded(text, document):
        try:
            parsed = module.parse(text, document)
            parsed.unread = tuple(module.unread(text, parsed))
            return parsed
        except ParseError:
            raise
        except _MISFIT_ERRORS as error:
            raise ParseError(document.source_file, None, f"the {name} loader does not fit this document ({type(error).__name__}: {error})") from error

    return guarded


LOADERS = {name: _guarded(name, module) for name, module in _MODULES.items()}

# A government speech is read as numbered paragraphs, never as asks: the
# loader of every Policy Address and Budget speech, by the document's kind.
SPEECH_LOADER = "hksarg"
SPEECH_KINDS = frozenset({"policy-address", "budget"})


def unread(name: str | None, text: str, parsed: Parsed) -> tuple[tuple[int, str], ...]:
    """The lines of ``text`` numbered as loader ``name``'s items are that
    belong to none of ``parsed``'s rows (none for a loader of another name)."""
    module = _MODULES.get(name)
    return tuple(module.unread(text, parsed)) if module else ()
