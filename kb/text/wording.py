"""Wording: counts of things said in English, as the command line prints them."""

def plural(count: int, noun: str) -> str:
    """A count and its noun: ``1 ask``, ``2 asks``, ``0 sub-items``,
    ``3 strategies``; a noun already ending in s (a kind of row named as a
    table, ``paragraphs``) is left as it is."""
    if count == 1 or noun.endswith("s"):
        return f"{count} {noun}"
    if noun.endswith("y"):
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"
