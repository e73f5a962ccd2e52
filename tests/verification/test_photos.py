"""Field-visit photos (verification/photos.py): a phone's photo is kept as a clean, oriented,
downscaled RGB JPEG with its GPS position and time read first and then stripped; hostile or broken
uploads are refused with an Indonesian message on the form's field, before any pixel is decoded
where that matters (docs/security.md #7). The corpus is generated in memory
(tests/verification/photo_corpus.py); no database is needed."""

import hashlib
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile

from tests.verification import photo_corpus as corpus
from verification import photos
from verification.photos import LONG_SIDE, MAX_BYTES, ProcessedPhoto, photo_process

FIELD = "foto_depan"
# Words every refusal is written with; none of them is English.
INDONESIAN = ("berkas", "foto", "gambar", "unggah", "ambil ulang")


def upload(content: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def process(content: bytes, **kwargs) -> ProcessedPhoto:
    return photo_process(upload(content, **kwargs), field=FIELD)


def refusal(content: bytes, **kwargs) -> str:
    """The one message the refusal puts on FIELD, checked to be Indonesian."""
    with pytest.raises(ValidationError) as caught:
        process(content, **kwargs)
    messages = caught.value.message_dict
    assert list(messages) == [FIELD]
    assert len(messages[FIELD]) == 1
    message = messages[FIELD][0]
    assert sum(word in message.lower() for word in INDONESIAN) >= 2, message
    return message


def reopen(photo: ProcessedPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.content))
    image.load()
    return image


@pytest.fixture
def no_pixels_decoded(monkeypatch):
    """Fails the test if any image's pixel data is loaded."""

    def refuse_load(self, *args, **kwargs):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_load)


@pytest.fixture
def nothing_parsed(monkeypatch):
    """Fails the test if Pillow is even asked to open the upload."""

    def refuse_open(*args, **kwargs):
        raise AssertionError("a parser ran")

    monkeypatch.setattr(photos.Image, "open", refuse_open)


# --- accepted photos ---------------------------------------------------------------------------------


def test_phone_photo_gps_and_time_read_then_every_piece_of_metadata_stripped():
    original = corpus.phone_jpeg()
    photo = process(original)

    assert photo.gps == pytest.approx((corpus.LATITUDE, corpus.LONGITUDE), abs=1e-6)
    assert photo.taken_at == datetime(2024, 5, 17, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()

    stored = reopen(photo)
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert (stored.width, stored.height) == (photo.width, photo.height) == (640, 480)
    assert len(stored.getexif()) == 0
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in stored.info
    for key in ("icc_profile", "comment", "xmp", "photoshop", "adobe", "mp"):
        assert key not in stored.info, key
    # Not even in the bytes: no EXIF/XMP/ICC segment, no maker, no comment with a NIK.
    for needle in (b"Exif\x00", b"xmpmeta", b"ICC_PROFILE", corpus.MAKER.encode(), corpus.SECRET_COMMENT):
        assert needle not in photo.content, needle
    # APP0 (JFIF) is the only application segment: no APP1..APP15.
    assert not any(photo.content.find(bytes([0xFF, marker])) == 2 for marker in range(0xE1, 0xF0))


def test_the_stored_bytes_are_the_same_each_time():
    assert process(corpus.phone_jpeg()).sha256 == process(corpus.phone_jpeg()).sha256


def test_jpeg_without_exif_has_no_position_nor_time():
    photo = process(corpus.plain_jpeg())
    assert photo.gps is None
    assert photo.taken_at is None
    assert (photo.width, photo.height) == (320, 240)


def test_orientation_is_applied_to_the_pixels_and_then_dropped():
    photo = process(corpus.oriented_jpeg())
    assert (photo.width, photo.height) == (200, 300)
    stored = reopen(photo)
    assert len(stored.getexif()) == 0
    red, green, blue = stored.getpixel((190, 10))  # the red block is now top-right
    assert red > 200 and green < 60 and blue < 60
    assert stored.getpixel((10, 10))[2] > 200  # top-left is the blue background


@pytest.mark.parametrize(("size", "expected"), [((4000, 3000), (1600, 1200)), ((3000, 4000), (1200, 1600))])
def test_a_big_photo_is_downscaled_to_the_long_side(size, expected):
    photo = process(corpus.big_jpeg(size))
    assert (photo.width, photo.height) == expected
    assert max(photo.width, photo.height) == LONG_SIDE
    assert reopen(photo).size == expected
    assert photo.gps == pytest.approx((corpus.LATITUDE, corpus.LONGITUDE), abs=1e-6)
    assert len(photo.content) < 2 * 1024 * 1024


def test_a_small_photo_is_not_enlarged():
    photo = process(corpus.jpeg(corpus.noise((100, 80))))
    assert (photo.width, photo.height) == (100, 80)


def test_png_with_alpha_becomes_an_rgb_jpeg_on_white():
    photo = process(corpus.alpha_png(), name="layar.png", content_type="image/png")
    stored = reopen(photo)
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert (photo.width, photo.height) == (200, 100)
    assert min(stored.getpixel((190, 50))) > 240  # transparent -> white, not the black beneath
    red, green, blue = stored.getpixel((20, 50))
    assert green > 120 and red < 40 and blue < 40


def test_webp_is_accepted():
    photo = process(corpus.webp(), name="foto.webp", content_type="image/webp")
    assert reopen(photo).format == "JPEG"
    assert (photo.width, photo.height) == (200, 150)


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(lambda: Image.new("L", (50, 40), 128), id="greyscale"),
        pytest.param(lambda: Image.new("CMYK", (50, 40), (0, 255, 255, 0)), id="cmyk"),
        pytest.param(lambda: Image.new("1", (50, 40), 1), id="bilevel"),
    ],
)
def test_other_jpeg_modes_become_rgb(image):
    photo = process(corpus.jpeg(image()))
    assert reopen(photo).mode == "RGB"
    assert (photo.width, photo.height) == (50, 40)


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(lambda: Image.new("I;16", (50, 40), 40000), id="16-bit-grey"),
        pytest.param(lambda: Image.new("LA", (50, 40), (90, 128)), id="grey-alpha"),
        pytest.param(lambda: Image.new("P", (50, 40), 2), id="palette"),
    ],
)
def test_other_png_modes_become_rgb(image):
    photo = process(corpus.png(image()), name="x.png", content_type="image/png")
    assert reopen(photo).mode == "RGB"
    assert (photo.width, photo.height) == (50, 40)


def test_16_bit_grey_is_scaled_not_clipped():
    photo = process(corpus.png(Image.new("I;16", (50, 40), 32768)), name="x.png")
    assert reopen(photo).getpixel((25, 20)) == pytest.approx((128, 128, 128), abs=2)


# --- metadata: best effort, never a refusal --------------------------------------------------------

S, N, E, W = "S", "N", "E", "W"
LAT = (corpus.R(7, 1), corpus.R(28, 1), corpus.R(30, 1))
LON = (corpus.R(110, 1), corpus.R(13, 1), corpus.R(12, 1))


def gps(lat_ref=S, lat=LAT, lon_ref=E, lon=LON, more=None) -> dict:
    ifd = {ExifTags.GPS.GPSLatitude: lat, ExifTags.GPS.GPSLongitude: lon, **(more or {})}
    if lat_ref is not None:
        ifd[ExifTags.GPS.GPSLatitudeRef] = lat_ref
    if lon_ref is not None:
        ifd[ExifTags.GPS.GPSLongitudeRef] = lon_ref
    return ifd


def photo_with(gps_ifd=None, taken=corpus.TAKEN, extra=None) -> bytes:
    exif = corpus.gps_exif(gps=gps_ifd, taken=taken)
    if extra:
        exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: taken, **extra}
    return corpus.jpeg(corpus.noise((64, 48)), exif=exif)


@pytest.mark.parametrize(
    ("ifd", "expected"),
    [
        (gps(N, lon_ref=W), (7.475, -110.22)),
        (gps(lat=(corpus.R(7475, 1000),), lon=(corpus.R(110, 1), corpus.R(132, 10))), (-7.475, 110.22)),
        (gps(lat_ref=None), None),  # no hemisphere: refuse to guess
        (gps(lat_ref="X"), None),
        (gps(lat=(corpus.R(7, 0), corpus.R(28, 1), corpus.R(30, 1))), None),  # x/0
        (gps(lat=(corpus.R(97, 1), corpus.R(0, 1), corpus.R(0, 1))), None),  # beyond the pole
        (gps(lat=(corpus.R(7, 1), corpus.R(75, 1), corpus.R(0, 1))), None),  # 75 minutes
        (gps(lon=(corpus.R(190, 1), corpus.R(0, 1), corpus.R(0, 1))), None),
        (gps(lat=LAT + (corpus.R(1, 1),)), None),  # four numbers is not D, M, S
        (gps(more={ExifTags.GPS.GPSStatus: "A"}), (-7.475, 110.22)),  # measurement active
        (gps(more={ExifTags.GPS.GPSStatus: "V"}), None),  # measurement void
        (gps(lat=(corpus.R(0, 1),) * 3, lon=(corpus.R(0, 1),) * 3), None),  # 0,0: no fix
    ],
)
def test_gps_is_read_with_its_references_or_not_at_all(ifd, expected):
    photo = process(photo_with(ifd))
    if expected is None:
        assert photo.gps is None
    else:
        assert photo.gps == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("taken", "extra", "expected"),
    [
        ("2024:05:17 09:30:00", None, datetime(2024, 5, 17, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))),
        (
            "2024:05:17 09:30:00",
            {ExifTags.Base.OffsetTimeOriginal: "+08:00"},
            datetime(2024, 5, 17, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        ),
        ("2024:05:17 09:30:00\x00", None, datetime(2024, 5, 17, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))),
        ("0000:00:00 00:00:00", None, None),
        ("kemarin sore", None, None),
        ("2024:13:45 25:61:00", None, None),
        (None, None, None),
    ],
)
def test_time_taken_is_read_when_it_makes_sense(taken, extra, expected):
    photo = process(photo_with(taken=taken, extra=extra))
    assert photo.taken_at == expected
    if expected is not None:
        assert photo.taken_at.utcoffset() is not None


def test_garbage_in_the_exif_segment_does_not_refuse_the_photo():
    good = corpus.plain_jpeg()
    # Replace the start-of-image with SOI + an APP1 "Exif" segment full of garbage.
    garbage = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\xa5" * 200
    app1 = b"\xff\xe1" + (len(garbage) + 2).to_bytes(2, "big") + garbage
    photo = process(good[:2] + app1 + good[2:])
    assert photo.gps is None
    assert photo.taken_at is None
    assert (photo.width, photo.height) == (320, 240)


# --- refusals ---------------------------------------------------------------------------------------


def test_empty_file_is_refused():
    message = refusal(b"")
    assert "kosong" in message


class UnreadableBytes(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the upload was read")


def test_oversize_is_refused_by_its_size_before_a_byte_is_read(nothing_parsed):
    content = b"\xff\xd8\xff\xe0" + b"\x00" * MAX_BYTES
    big = upload(content)
    big.file = UnreadableBytes(content)
    with pytest.raises(ValidationError) as caught:
        photo_process(big, field=FIELD)
    assert list(caught.value.message_dict) == [FIELD]
    message = caught.value.message_dict[FIELD][0]
    assert "15 MB" in message
    assert "terlalu besar" in message
    assert refusal(content) == message


def test_a_lying_size_does_not_get_past_the_cap(nothing_parsed):
    lying = upload(b"\x00" * (MAX_BYTES + 10))
    lying.size = 1000
    with pytest.raises(ValidationError) as caught:
        photo_process(lying, field=FIELD)
    assert "15 MB" in caught.value.message_dict[FIELD][0]


def test_exactly_the_cap_is_read_but_not_refused_for_size():
    # MAX_BYTES of junk is not too large, only not a photo.
    assert "bukan foto" in refusal(b"\x00" * MAX_BYTES)


def test_renamed_binary_is_refused_by_its_content(no_pixels_decoded):
    message = refusal(corpus.renamed_binary(), name="foto.jpg", content_type="image/jpeg")
    assert "bukan foto" in message
    assert "JPEG" in message


def test_pdf_is_refused(no_pixels_decoded):
    message = refusal(corpus.pdf(), name="rumah.jpg", content_type="image/jpeg")
    assert "bukan foto" in message


@pytest.mark.parametrize(
    ("make", "kind"),
    [(corpus.gif, "GIF"), (corpus.heic, "HEIC"), (corpus.tiff, "TIF"), (corpus.bmp, "BMP")],
)
def test_other_image_formats_are_refused_with_the_camera_hint(make, kind, no_pixels_decoded):
    message = refusal(make(), name="foto.jpg")
    assert kind in message
    assert "tidak diterima" in message
    assert "kamera" in message and "JPEG" in message


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: corpus.png_declaring(50_000, 50_000), id="png-50000x50000-pillow-error"),
        pytest.param(lambda: corpus.png_declaring(10_000, 10_000), id="png-10000x10000-pillow-warning"),
        pytest.param(lambda: corpus.png_declaring(8_000, 6_000), id="png-8000x6000-over-MAX_PIXELS"),
        pytest.param(lambda: corpus.jpeg_declaring(60_000, 60_000), id="jpeg-60000x60000"),
    ],
)
def test_decompression_bombs_are_refused_from_their_header(content, no_pixels_decoded):
    data = content()
    assert len(data) < 20_000  # the bomb is small; only its declared size is huge
    message = refusal(data, name="foto.png", content_type="image/png")
    assert "40 juta piksel" in message


def test_the_bomb_check_does_not_touch_pillows_global_limit():
    before = Image.MAX_IMAGE_PIXELS
    refusal(corpus.png_declaring(50_000, 50_000))
    assert before == Image.MAX_IMAGE_PIXELS


def test_just_under_max_pixels_is_accepted():
    # 6000 × 6000 = 36 MP declared: under MAX_PIXELS (and Pillow's own limit), so it is decoded.
    photo = process(corpus.png_declaring(6_000, 6_000, bits=8), name="foto.png")
    assert (photo.width, photo.height) == (LONG_SIDE, LONG_SIDE)


def test_truncated_jpeg_is_refused():
    message = refusal(corpus.truncated_jpeg())
    assert "rusak atau tidak lengkap" in message


def test_truncated_png_is_refused():
    message = refusal(corpus.truncated_png(), name="foto.png")
    assert "rusak atau tidak lengkap" in message


def test_broken_png_is_refused_as_corrupt():
    message = refusal(corpus.broken_png(), name="foto.png")
    assert "rusak" in message
