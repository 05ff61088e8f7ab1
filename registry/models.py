"""The metering-point registry: filled only by DTC flow files, read by search.

Sized for about 32 million metering points. The rows are kept narrow: the MPAN core
is the primary key (no surrogate id and second unique index), codes are short
strings, absent values are blank strings or NULL dates, and within each table the
fixed-width columns come first so PostgreSQL wastes no alignment padding.
Every search key has an index: MPAN core (primary key), postcode key with an
address order for paging, and meter serial key.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation, User
from dtc import codes


def _choices(code_list) -> list[tuple[str, str]]:
    return list(code_list.items())


class MeteringPoint(models.Model):
    mpan_core = models.CharField("MPAN core", max_length=13, primary_key=True)
    updated_at = models.DateTimeField(default=timezone.now)
    gsp_group_date = models.DateField("GSP group effective from", null=True, blank=True)
    supplier_date = models.DateField("supplier effective from", null=True, blank=True)
    energisation_date = models.DateField("energisation status from", null=True, blank=True)
    mtc_date = models.DateField("MTC effective from", null=True, blank=True)
    llfc_date = models.DateField("LLFC effective from", null=True, blank=True)
    ssc_date = models.DateField("SSC effective from", null=True, blank=True)
    mop_date = models.DateField("MOP appointed from", null=True, blank=True)
    dc_date = models.DateField("data collector appointed from", null=True, blank=True)
    da_date = models.DateField("data aggregator appointed from", null=True, blank=True)
    domestic_premises = models.BooleanField("domestic premises", null=True, blank=True)
    dcc_service_flag = models.BooleanField("DCC service flag", null=True, blank=True)
    has_related_mpans = models.BooleanField("related MPAN indicator", default=False)
    distributor_id = models.CharField(
        "distributor id", max_length=2, choices=_choices(codes.DISTRIBUTOR_IDS)
    )
    gsp_group = models.CharField("GSP group", max_length=2, choices=_choices(codes.GSP_GROUPS))
    supplier_mpid = models.CharField("supplier MPID", max_length=4, blank=True)
    energisation_status = models.CharField(
        max_length=1, blank=True, choices=_choices(codes.ENERGISATION_STATUSES)
    )
    profile_class = models.CharField(
        max_length=2, blank=True, choices=_choices(codes.PROFILE_CLASSES)
    )
    measurement_class = models.CharField(
        max_length=1, blank=True, choices=_choices(codes.MEASUREMENT_CLASSES)
    )
    mtc = models.CharField("meter timeswitch code", max_length=3, blank=True)
    llfc = models.CharField("line loss factor class", max_length=3, blank=True)
    ssc = models.CharField("standard settlement configuration", max_length=4, blank=True)
    mop_mpid = models.CharField("MOP MPID", max_length=4, blank=True)
    dc_mpid = models.CharField("data collector MPID", max_length=4, blank=True)
    da_mpid = models.CharField("data aggregator MPID", max_length=4, blank=True)
    smets_version = models.CharField(
        "SMETS version", max_length=6, blank=True, choices=_choices(codes.SMETS_VERSIONS)
    )
    ihd_status = models.CharField(
        "IHD status", max_length=1, blank=True, choices=_choices(codes.IHD_STATUSES)
    )
    uprn = models.CharField("UPRN", max_length=12, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    # registry.postcodes.postcode_key(postcode) and registry.keys.address_sort_key(lines):
    # written by the ingest service, never edited by hand.
    postcode_key = models.CharField(max_length=10, blank=True, editable=False)
    address_sort_key = models.CharField(max_length=32, blank=True, editable=False)
    address_line_1 = models.CharField(max_length=40, blank=True)
    address_line_2 = models.CharField(max_length=40, blank=True)
    address_line_3 = models.CharField(max_length=40, blank=True)
    address_line_4 = models.CharField(max_length=40, blank=True)
    address_line_5 = models.CharField(max_length=40, blank=True)
    address_line_6 = models.CharField(max_length=40, blank=True)
    address_line_7 = models.CharField(max_length=40, blank=True)
    address_line_8 = models.CharField(max_length=40, blank=True)
    address_line_9 = models.CharField(max_length=40, blank=True)

    ADDRESS_FIELDS = [f"address_line_{n}" for n in range(1, 10)]

    class Meta:
        ordering = ["mpan_core"]
        indexes = [
            # Postcode search, one page at a time in address order: keyset paging on
            # (address_sort_key, mpan_core) within a postcode needs no sort.
            models.Index(
                fields=["postcode_key", "address_sort_key", "mpan_core"],
                name="registry_mp_postcode_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.mpan_core

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (getattr(self, f) for f in self.ADDRESS_FIELDS) if line]


class AddressWords(models.Model):
    """A point's address as words between spaces (registry.addresses), for the address
    search. Written after each D0204 by registry.services.address_words_refresh, not by
    the refresh itself (see there); no foreign key, as it is maintained set-based. On
    PostgreSQL a GIN index (registry migration 0003) finds the words."""

    mpan_core = models.CharField("MPAN core", max_length=13, primary_key=True)
    text = models.CharField(max_length=420)
    # The point's UPRN without leading zeros (as search.parsing.uprn_parse reads one),
    # searched here too: its index is kept up by the same task.
    uprn = models.CharField("UPRN", max_length=12, blank=True)

    class Meta:
        verbose_name = "address words"
        verbose_name_plural = "address words"
        indexes = [
            models.Index(fields=["uprn"], condition=~Q(uprn=""), name="registry_aw_uprn_idx")
        ]

    def __str__(self) -> str:
        return f"{self.mpan_core}:{self.text}"


class Meter(models.Model):
    """A meter at a metering point, as the MOP (D0312) or MPAS (D0204) reported it."""

    id = models.BigAutoField(primary_key=True)
    # No database-level foreign key: flows are merged set-based, and PostgreSQL checks
    # a foreign key with one trigger query per inserted row, which would dominate a
    # full refresh. The ingest service deletes a point's meters with the point.
    # The (metering_point, serial_key) index below serves lookups by point.
    metering_point = models.ForeignKey(
        MeteringPoint,
        on_delete=models.CASCADE,
        related_name="meters",
        db_constraint=False,
        db_index=False,
    )
    installation_date = models.DateField(null=True, blank=True)
    removal_date = models.DateField(null=True, blank=True)
    serial = models.CharField("meter serial number", max_length=10)
    # registry.keys.serial_key(serial): spaces, dashes and case removed.
    serial_key = models.CharField(max_length=10, editable=False)
    meter_type = models.CharField(max_length=5, choices=_choices(codes.METER_TYPES))
    map_mpid = models.CharField("MAP id", max_length=4, blank=True)

    class Meta:
        ordering = ["metering_point", "-installation_date", "serial_key"]
        indexes = [
            models.Index(fields=["metering_point", "serial_key"], name="registry_meter_point_idx"),
            models.Index(fields=["serial_key"], name="registry_meter_serial_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} at {self.metering_point_id}"


class RelatedMpan(models.Model):
    """A relationship between two metering points (D0386), e.g. import and export."""

    id = models.BigAutoField(primary_key=True)
    metering_point = models.ForeignKey(
        MeteringPoint, on_delete=models.CASCADE, related_name="related_links", db_index=False
    )
    related = models.ForeignKey(MeteringPoint, on_delete=models.CASCADE, related_name="+")
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["metering_point", "related"]
        constraints = [
            models.UniqueConstraint(
                fields=["metering_point", "related"], name="registry_related_mpan_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metering_point_id} ~ {self.related_id}"


class FlowFileStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"


class FlowFileChannel(models.TextChoices):
    UPLOAD = "upload", "Upload screen"
    API = "api", "API"
    INBOX = "inbox", "Inbox folder"
    COMMAND = "command", "Command line"


class FlowFile(models.Model):
    """One received DTC file and what became of it."""

    original_name = models.CharField(max_length=255)
    # Blank once a rejected file's copy has been removed (FLOW_REJECTED_RETENTION_DAYS).
    stored_file = models.FileField(upload_to="flows/%Y/%m/%d/", max_length=255, blank=True)
    stored_file_removed_at = models.DateTimeField("stored copy removed", null=True, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    # The organisation that sent the file. Blank until processing when the sender is
    # taken from the file header (inbox, or a service admin uploading for a party).
    sender = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="flow_files",
        null=True,
        blank=True,
        db_index=False,  # the (sender, received_at) index below serves it
    )
    submitted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    channel = models.CharField(max_length=10, choices=FlowFileChannel.choices)
    flow_id = models.CharField("flow", max_length=5, blank=True)
    version = models.CharField(max_length=3, blank=True)
    dtc_file_id = models.CharField("file id in header", max_length=10, blank=True)
    status = models.CharField(
        max_length=10, choices=FlowFileStatus.choices, default=FlowFileStatus.RECEIVED
    )
    accepted_count = models.PositiveIntegerField("records accepted", default=0)
    rejected_count = models.PositiveIntegerField("records rejected", default=0)
    # [{"line": 12 | None, "group": "P02" | None, "item": ... | None, "reason": "..."}]
    errors = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # The same content is applied at most once; "processing" is included so
            # two copies processed at the same time cannot both get through.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=["processing", "applied"]),
                name="registry_flowfile_applied_once",
            ),
        ]
        indexes = [models.Index(fields=["sender", "-received_at"], name="registry_ff_sender_idx")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (FlowFileStatus.APPLIED, FlowFileStatus.REJECTED)
