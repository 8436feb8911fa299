"""Pillow reference for the pipeline section (bench/sections/pipeline.ts).

Does what Darkroom's processImage (app/images/pipeline.server.ts) does for each
file: reads it, reads its metadata and EXIF (camera, date, exposure, GPS), and
writes two auto-oriented WebP copies at quality 80 that fit in the configured
sizes without enlarging: the thumbnail (method 4, as sharp's effort 4) and the
optimized copy (method 2, as effort 2); then decodes the thumbnail at 100 px
for the placeholder (the ThumbHash sum itself, a few µs in Darkroom, is left
out: there is no Pillow equivalent). Nothing is written to disk.

`concurrency` worker processes (multiprocessing.Pool, 2 by default as
Darkroom's WORKER_CONCURRENCY) share the files; timing starts once the pool is
up and has seen each format once, as the raw reference warms up.

Run with /usr/bin/python3 (Debian's python3-pil). Input: JSON in argv[1].
Output: one JSON line on stdout.
"""

import io
import json
import sys
import time
from multiprocessing import Pool

from PIL import Image, ImageOps, __version__ as PILLOW_VERSION, features

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
# Tags readExif keeps: Make, Model; DateTimeOriginal, OffsetTimeOriginal,
# ExposureTime, FNumber, ISO, FocalLength, LensModel.
BASE_TAGS = (0x010F, 0x0110)
EXIF_TAGS = (0x9003, 0x9011, 0x829A, 0x829D, 0x8827, 0x920A, 0xA434)

options = {}


def init(opts):
    options.update(opts)
    # Darkroom refuses more pixels than MAX_INPUT_PIXELS; Pillow's guard does the same.
    Image.MAX_IMAGE_PIXELS = opts["maxInputPixels"]


def read_metadata(data):
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        width, height = image.size
        if exif.get(ORIENTATION) in (5, 6, 7, 8):
            width, height = height, width
        exif_ifd = exif.get_ifd(EXIF_IFD)
        return {
            "format": image.format,
            "width": width,
            "height": height,
            "mode": image.mode,
            "hasAlpha": "A" in image.getbands(),
            "orientation": exif.get(ORIENTATION),
            "density": image.info.get("dpi"),
            "pages": getattr(image, "n_frames", 1),
            "exif": {tag: exif.get(tag) for tag in BASE_TAGS}
            | {tag: exif_ifd.get(tag) for tag in EXIF_TAGS},
            "gps": dict(exif.get_ifd(GPS_IFD)) or None,
        }


def variant(data, size, method):
    with Image.open(io.BytesIO(data)) as image:
        # thumbnail() never enlarges and lets JPEG decode at a reduced scale
        # (draft), as sharp's shrink-on-load does. The box is square, so
        # orienting afterwards gives the same size.
        image.thumbnail((size, size))
        if image.getexif().get(ORIENTATION, 1) != 1:
            image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        out = io.BytesIO()
        # No exif= or icc_profile=: metadata is dropped, as Darkroom does.
        image.save(out, "WEBP", quality=80, method=method)
        return out.getvalue()


def placeholder(thumbnail):
    with Image.open(io.BytesIO(thumbnail)) as image:
        image.thumbnail((100, 100))
        return image.convert("RGBA").tobytes()


def process_file(path):
    started = time.perf_counter()
    cpu = time.process_time()
    # A fresh read every time, as the worker's storage.get.
    with open(path, "rb") as file:
        data = file.read()
    read_metadata(data)
    thumbnail = variant(data, options["thumbnailMaxSize"], 4)
    variant(data, options["optimizedMaxSize"], 2)
    placeholder(thumbnail)
    # process_time counts every thread of this pool process; each runs one file at a time.
    return time.perf_counter() - started, time.process_time() - cpu


def run(pool, paths):
    started = time.perf_counter()
    results = list(pool.imap_unordered(process_file, paths, chunksize=1))
    return {
        "seconds": time.perf_counter() - started,
        "cpuSeconds": sum(cpu for _, cpu in results),
        "durations": [seconds * 1000 for seconds, _ in results],
    }


def main():
    task = json.loads(sys.argv[1])
    if not features.check("webp"):
        print(json.dumps({"skipped": "Pillow without WebP"}))
        return
    files = task["files"]
    paths = [file["path"] for file in files]
    first_of_each = list({file["contentType"]: file["path"] for file in files}.values())
    opts = {key: task[key] for key in ("thumbnailMaxSize", "optimizedMaxSize", "maxInputPixels")}
    with Pool(task["concurrency"], initializer=init, initargs=(opts,)) as pool:
        run(pool, first_of_each)
        result = run(pool, paths)
    print(json.dumps({"images": len(paths), "pillow": PILLOW_VERSION, **result}))


if __name__ == "__main__":
    main()
