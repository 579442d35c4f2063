"""Reference encoders and decoders for the codec tests: kafka-python's own (kafka.codec, which the
Java client's framings follow) over Debian's python3-snappy, python3-lz4 and python3-zstandard.

stdin: JSON {"encode": [[codec, base64], ...], "decode": [[codec, base64], ...]}
stdout: JSON {"encoded": {codec: [base64, ...]}, "decoded": [base64 | "error: ...", ...]}
where encoded[codec][i] is the i-th input in every framing the reference writes for that codec."""
import base64
import json
import sys

import lz4.frame
import snappy
import zstandard
from kafka import codec

req = json.load(sys.stdin)
b64 = lambda b: base64.b64encode(b).decode()
encoded = []
for name, data in req["encode"]:
    raw = base64.b64decode(data)
    if name == "snappy":
        # kafka-python and the Java client write xerial framing; librdkafka writes one raw stream.
        forms = [codec.snappy_encode(raw), snappy.compress(raw)]
    elif name == "lz4":
        # kafka-python's frames, and the lz4 library's own defaults (linked blocks, checksums).
        forms = [codec.lz4_encode(raw), lz4.frame.compress(raw, content_checksum=True, block_linked=True)]
    else:
        forms = [codec.zstd_encode(raw), zstandard.ZstdCompressor(level=3, write_content_size=False).compress(raw)]
    encoded.append([b64(f) for f in forms])
decoded = []
for name, data in req["decode"]:
    raw = base64.b64decode(data)
    try:
        fn = {"snappy": codec.snappy_decode, "lz4": codec.lz4_decode, "zstd": codec.zstd_decode}[name]
        decoded.append(b64(fn(raw)))
    except Exception as e:  # noqa: BLE001 - the test shows what the reference refused
        decoded.append("error: %r" % e)
print(json.dumps({"encoded": encoded, "decoded": decoded}))
