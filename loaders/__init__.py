"""One parser per publisher: plain text in, records out, never touching SQLite.

``LOADERS`` maps a publisher id from sources/manifest.yml to its parser,
``parse(text, document) -> Parsed``.
"""

from loaders import bdc, cma, dsedt, hkpc

LOADERS = {
    "bdc": bdc.parse,
    "cma": cma.parse,
    "dsedt": dsedt.parse,
    "hkpc": hkpc.parse,
}
