"""The cassette writer (toolkit/cassettes/writer.py): vcrpy's bytes for ordinary interactions, and
a large body, written a slice at a time, that every reader loads as the same string."""

from __future__ import annotations

import yaml
from vcr.request import Request
from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

from toolkit.cassettes import read_interactions
from toolkit.cassettes.writer import LARGE_BODY, CassettePersister

# every kind of character a YAML double-quoted line must escape or may hold raw, across slices
AWKWARD = 'a"b\\c\nd\re\tf\x00g\x1fh\x7fi\x85j\u2028k\u2029l\ufeffm\uffffn\U0001f600o é/#: - [x] {y} \'z\' '


def cassette(bodies: list[bytes | str]) -> dict:
    requests = [Request("GET", f"https://api.example.com/items?page={n}", None, {"Accept": "application/json"}) for n in range(len(bodies))]
    responses = [{"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": ["application/json"]},
                  "body": {"string": body}} for body in bodies]
    return {"requests": requests, "responses": responses}


def test_small_bodies_are_written_as_vcrpy_writes_them(tmp_path):
    bodies = [b'{"count": 3}', AWKWARD.encode(), b"\xff\xfe binary"]
    CassettePersister().save_cassette(str(tmp_path / "c.yaml"), cassette(bodies), yamlserializer)
    assert (tmp_path / "c.yaml").read_text(encoding="utf-8") == serialize(cassette(bodies), yamlserializer)


def test_a_large_body_loads_as_the_same_string_everywhere(tmp_path):
    large = (AWKWARD * (LARGE_BODY // len(AWKWARD) * 5)).encode()  # several MiB slices of it
    bodies = [b'{"count": 3}', large, large.decode()]
    persister = CassettePersister()
    persister.save_cassette(str(tmp_path / "c.yaml"), cassette(bodies), yamlserializer)
    text = (tmp_path / "c.yaml").read_text(encoding="utf-8")
    assert text.count("\n") < 60  # the large bodies are one line each
    # vcrpy (mode new loads a kept cassette), PyYAML and the replay all read the same bodies
    _, responses = deserialize(text, yamlserializer)
    assert [r["body"]["string"] for r in responses] == [bodies[0], large, large]
    assert yaml.safe_load(text)["interactions"][1]["response"]["body"]["string"] == large.decode()
    assert [r["body"]["string"] for _, r in read_interactions(tmp_path)] == [bodies[0].decode(), large.decode(), large.decode()]
    assert persister.written == [("GET", f"https://api.example.com/items?page={n}", 200) for n in range(3)]
