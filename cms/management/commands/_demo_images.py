"""Pictures for the demo, drawn here (no downloads): a sky, hills and a heart, in warm colours."""

import io
import random

from PIL import Image as PILImage
from PIL import ImageDraw

PALETTES = [
    ((253, 226, 208), (217, 71, 43), (15, 94, 99)),
    ((227, 241, 241), (15, 94, 99), (217, 71, 43)),
    ((255, 244, 214), (148, 98, 0), (31, 122, 77)),
    ((228, 244, 234), (31, 122, 77), (217, 71, 43)),
    ((235, 232, 250), (91, 74, 170), (217, 71, 43)),
    ((253, 235, 230), (184, 56, 31), (15, 94, 99)),
]


def _mix(a, b, t):
    return tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3))


def demo_picture(seed: int, size=(1200, 675)) -> bytes:
    """A deterministic PNG for `seed`."""
    rng = random.Random(seed)
    sky, deep, accent = PALETTES[seed % len(PALETTES)]
    width, height = size
    picture = PILImage.new("RGB", size, sky)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix((255, 255, 255), sky, y / height))
    sun_x, sun_y, sun_r = rng.randint(150, width - 150), rng.randint(90, 220), rng.randint(50, 90)
    draw.ellipse(
        [sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r], fill=_mix(accent, sky, 0.35)
    )
    for layer in range(3):
        base = int(height * (0.55 + layer * 0.13))
        points = [(0, height)]
        for x in range(0, width + 100, 100):
            points.append((x, base + rng.randint(-60, 40)))
        points.append((width, height))
        draw.polygon(points, fill=_mix(deep, sky, 0.6 - layer * 0.25))
    cx, cy, s = width // 2 + rng.randint(-200, 200), int(height * 0.5), rng.randint(40, 70)
    draw.ellipse([cx - s, cy - s, cx, cy], fill=(255, 255, 255))
    draw.ellipse([cx, cy - s, cx + s, cy], fill=(255, 255, 255))
    draw.polygon([(cx - s, cy - s // 2), (cx + s, cy - s // 2), (cx, cy + s)], fill=(255, 255, 255))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()
