"""Draws the starter course's brake-pressure figure with nothing but zlib and struct.

The starter chapter on brake tests shows how brake-cylinder pressure steps through the
"five-step" test. The committed PNG is this module's output; a test re-draws it and
compares pixels, so the figure and its description cannot drift apart.
"""
from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 30, 350, 12, 160      # plot area in pixels
MAX_KPA = 500

WHITE = (255, 255, 255)
AXIS = (55, 65, 81)
GRID = (229, 231, 235)
CURVE = (31, 78, 156)
STEP_MARK = (194, 65, 12)

# (duration in time units, brake-cylinder pressure in kPa) for: release, 1 initial,
# release, 2..3 full service, release, 4 emergency, release, 5 independent brake, release.
PROFILE = [(2, 0), (4, 125), (2, 0), (6, 350), (2, 0), (5, 450), (2, 0), (5, 300), (2, 0)]


def pixels() -> list[list[tuple[int, int, int]]]:
    """The figure as rows of RGB pixels."""
    img = [[WHITE] * WIDTH for _ in range(HEIGHT)]

    def y_of(kpa: float) -> int:
        return round(BOTTOM - (BOTTOM - TOP) * kpa / MAX_KPA)

    for kpa in range(100, MAX_KPA + 1, 100):         # horizontal grid every 100 kPa
        y = y_of(kpa)
        for x in range(LEFT, RIGHT + 1, 2):
            img[y][x] = GRID
    total = sum(d for d, _ in PROFILE)
    x0, prev_y, elapsed = LEFT, y_of(0), 0
    for duration, kpa in PROFILE:
        elapsed += duration
        x1 = LEFT + round((RIGHT - LEFT) * elapsed / total)
        y = y_of(kpa)
        for yy in range(min(prev_y, y), max(prev_y, y) + 1):   # vertical edge of the step
            for w in (0, 1):
                img[yy][x0 + w] = CURVE
        for xx in range(x0, x1 + 1):                  # plateau, two pixels thick
            for w in (0, 1):
                img[min(y + w, BOTTOM)][xx] = CURVE
        if kpa:
            for dx in range(-2, 3):                    # small marker at each step's plateau
                for dy in range(-2, 3):
                    img[y - 6 + dy][(x0 + x1) // 2 + dx] = STEP_MARK
        x0, prev_y = x1, y
    for x in range(LEFT, RIGHT + 1):                  # axes drawn last so they stay on top
        img[BOTTOM][x] = AXIS
    for y in range(TOP - 4, BOTTOM + 1):
        img[y][LEFT] = AXIS
    return img


def png_bytes(img: list[list[tuple[int, int, int]]]) -> bytes:
    """Encode RGB rows as a PNG (filter 0 on every row)."""
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in img)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", len(img[0]), len(img), 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def decode_rgb(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and raw filtered scanlines of an 8-bit RGB PNG written by png_bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(png_bytes(pixels()))
