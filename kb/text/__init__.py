"""Text: from a file's bytes or a PDF's pages to clean lines, and from text to
sentences and words.  Knows nothing of documents or recommendations.

Holds: reading files (encoding, pdf), cleaning lines and finding page breaks
(cleanup, pages), folding scripts (normalize), and cutting text into
sentences and words (segment).

May import: nothing of kb but itself.
"""
