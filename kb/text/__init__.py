"""Text: from a file's bytes or a PDF's pages to clean lines, and from text to
sentences and words.  Knows nothing of documents or recommendations.

Holds: reading files (encoding, pdf and the look of its lines: styles, and the YAML files people edit:
yamlfile), which links kb makes (urls), numbered lines (lines), the numbers
items are numbered with, of any size (numbering), cleaning lines
and finding page breaks and page numbers (cleanup, pages), folding scripts
(normalize), where a sentence ends and cutting text into sentences
(sentences) and words (segment), and counts said in English (wording).

May import: nothing of kb but itself.
"""
