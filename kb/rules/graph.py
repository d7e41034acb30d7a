"""Connected groups of rows: the proposal threads that links make."""

from collections.abc import Iterable


def connected_groups(pairs: Iterable[tuple[str, str]]) -> list[set[str]]:
    """The connected groups of the graph whose edges are ``pairs`` (union-find)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, set[str]] = {}
    for node in list(parent):
        groups.setdefault(root(node), set()).add(node)
    return list(groups.values())
