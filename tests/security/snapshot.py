"""A picture of the registry's rows, to show that a refused write changed nothing."""

from registry.models import Meter, MeteringPoint, RelatedMpan


def registry_snapshot() -> dict[str, list[tuple]]:
    """Every column of every metering point, meter and relationship, in key order."""
    return {
        "metering points": list(MeteringPoint.objects.order_by("pk").values_list()),
        "meters": list(Meter.objects.order_by("pk").values_list()),
        "relationships": list(RelatedMpan.objects.order_by("pk").values_list()),
    }


def registry_changes(before: dict[str, list[tuple]]) -> dict[str, str]:
    """What differs from `before`, per table (empty when nothing changed), in words a
    failing assertion can show."""
    after = registry_snapshot()
    changes = {}
    for table, rows in before.items():
        gone, new = set(rows) - set(after[table]), set(after[table]) - set(rows)
        if gone or new:
            changes[table] = f"{len(gone)} row(s) changed or removed, {len(new)} new or changed"
    return changes
