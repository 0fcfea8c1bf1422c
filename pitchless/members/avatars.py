"""Avatar checks: a small image of a known type, recognised by its first bytes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def image_kind(head: bytes) -> str | None:
    """The image type named by a file's first bytes, or ``None`` when it is not one we take."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def validate_avatar(upload: UploadedFile) -> str:
    """Check size and type of an uploaded avatar; return its file extension.

    The browser's content type and the file name are not trusted: the first bytes decide.
    """
    limit = settings.PITCHLESS_AVATAR_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(f"The picture must be at most {limit // 1024} KB.")
    upload.seek(0)
    kind = image_kind(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise ValidationError("The picture must be a PNG, JPEG, GIF or WebP image.")
    return kind
