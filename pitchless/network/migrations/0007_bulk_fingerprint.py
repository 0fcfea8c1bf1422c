"""The near-duplicate index stores each message's fingerprint once, packed, with its band keys
as small rows of their own (it stored the fingerprint as text once per band key)."""

import hashlib
import struct

import django.db.models.deletion
from django.db import migrations, models


def _key(key: str) -> int:
    # As ``bulkstore._key_hash``: the key's first 8 bytes of BLAKE2b as a signed 64-bit integer.
    value = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    return value - (1 << 64) if value >= 1 << 63 else value


def _packed(text: str) -> bytes:
    values = [int(v, 16) for v in text.split(",")] if text else []
    return struct.pack(f"<{len(values)}Q", *values)


def copy_entries(apps, schema_editor):
    """One fingerprint per stored message (sender, recipient, time and signature), with the
    band keys it was stored under."""
    Record = apps.get_model("network", "BulkRecord")
    Fingerprint = apps.get_model("network", "BulkFingerprint")
    Band = apps.get_model("network", "BulkBand")
    rows = Record.objects.order_by("sender", "recipient", "at", "signature", "id").values_list(
        "sender", "recipient", "at", "signature", "key"
    )
    current = None
    keys: list[str] = []

    def flush() -> None:
        if current is None:
            return
        sender, recipient, at, signature = current
        fp = Fingerprint.objects.create(
            sender=sender, recipient=recipient, at=at, signature=_packed(signature)
        )
        Band.objects.bulk_create(
            [Band(key=_key(k), at=at, fingerprint=fp) for k in dict.fromkeys(keys)]
        )

    for sender, recipient, at, signature, key in rows.iterator(chunk_size=2000):
        ident = (sender, recipient, at, signature)
        if ident != current:
            flush()
            current, keys = ident, []
        keys.append(key)
    flush()


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0006_message_unchecked_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="BulkFingerprint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sender", models.CharField(max_length=40)),
                ("recipient", models.CharField(max_length=40)),
                ("at", models.DateTimeField(db_index=True)),
                ("signature", models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name="BulkBand",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.BigIntegerField()),
                ("at", models.DateTimeField()),
                (
                    "fingerprint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="network.bulkfingerprint",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["key", "at", "fingerprint"], name="bulk_band_key_at")
                ],
            },
        ),
        migrations.RunPython(copy_entries, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="BulkRecord"),
    ]
