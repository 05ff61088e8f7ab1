"""The flow table as Markdown, for docs/flows.md (a test keeps the two the same).

python -m dtc.layouts_doc
"""

from dtc.flows import CODE, FLOWS, HEADER, TRAILER, FlowDefinition, Group


def _occurs(group: Group) -> str:
    upper = "n" if group.max_occurs is None else str(group.max_occurs)
    scope = "per file" if group.parent is None else f"per {group.parent}"
    return f"{group.min_occurs}..{upper} {scope}"


def _format(item) -> str:
    fmt = item.format
    if fmt.kind == CODE and len(fmt.codes) <= 9:
        return f"{fmt.label}: {', '.join(f'`{c}`' for c in fmt.codes)}"
    if fmt.kind == CODE:
        return f"{fmt.label} (one of {len(fmt.codes)}, see `dtc.codes`)"
    return fmt.label


def group_table(group: Group) -> str:
    rows = [
        "| group | parent | occurs | item | J-number | format | M/O |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for index, item in enumerate(group.items):
        first = index == 0
        rows.append(
            "| "
            + " | ".join(
                [
                    f"`{group.group_id}` {group.name}" if first else "",
                    (group.parent or "(top)") if first else "",
                    _occurs(group) if first else "",
                    f"`{item.name}`",
                    item.j_number or "",
                    _format(item),
                    "M" if item.mandatory else "O",
                ]
            )
            + " |"
        )
    return "\n".join(rows)


def flow_section(flow: FlowDefinition) -> str:
    versions = ", ".join(sorted(flow.accepted_versions))
    lines = [
        f'### {flow.flow_id} "{flow.name}"',
        "",
        f"Accepted versions: {versions}. Sender role: `{flow.sender_role}`. "
        f"Flow instance (counted by the trailer): `{flow.instance_group}`.",
        "",
    ]
    lines += [group_table(group) + "\n" for group in flow.groups]
    return "\n".join(lines)


def layouts_markdown() -> str:
    """The header, the trailer and every flow of the table, as Markdown tables."""
    parts = [
        "### Header `ZHV` (line 1) and trailer `ZPT` (last line)",
        "",
        group_table(HEADER),
        "",
        group_table(TRAILER),
        "",
        *(flow_section(FLOWS[flow_id]) for flow_id in sorted(FLOWS)),
    ]
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(layouts_markdown(), end="")
