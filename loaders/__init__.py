"""Parsers of source documents: plain text in, records out, never touching SQLite.

``LOADERS`` maps a loader's name, as a manifest entry's ``loader:`` gives it
(else the entry's publisher id), to its parser ``parse(text, document) ->
Parsed``.  A loader written for one layout raises ParseError on a document
of another, never anything else: ``fits`` says whether it takes a text.
"""

import functools

from kb.records import ParseError
from loaders import bdc, cma, dsedt, generic, hkpc, hksarg

# The errors a loader written for one layout may hit on another.
_MISFIT_ERRORS = (IndexError, KeyError, ValueError, AttributeError, StopIteration, TypeError)


def _guarded(name: str, parse):
    """``parse``, with any error other than ParseError reported as one."""

    @functools.wraps(parse)
    def guarded(text, document):
        try:
            return parse(text, document)
        except ParseError:
            raise
        except _MISFIT_ERRORS as error:
            raise ParseError(document.source_file, None, f"the {name} loader does not fit this document ({type(error).__name__}: {error})") from error

    return guarded


LOADERS = {
    name: _guarded(name, module.parse)
    for name, module in {"bdc": bdc, "cma": cma, "dsedt": dsedt, "generic": generic, "hkpc": hkpc, "hksarg": hksarg}.items()
}
