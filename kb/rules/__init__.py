"""Rules: what a build derives from the parsed records, with no database.

Holds: policy areas (areas), links between recommendations of different
documents (links, link_window, candidates, graph) and the proposal threads
they make (threads), the same ask in two publishers' documents on one
subject (shared_asks), the government's responses to asks (responses: scoring
an ask against a paragraph; timing: when a document was written and which
government texts came after it; answers: which pairs of texts, scored in
parallel, reviewed, with statuses), the reviewer's verdicts on links and
responses, read and applied (reviews), and the search
index's text (search_index).

May import: kb.records, kb.text and loaders.
"""
