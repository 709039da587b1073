#!/usr/bin/python3
"""Duplicates across sources: dedupe.near_duplicates = "drop" | "mark" | "off", and exact
duplicates (same title and text under another URL).

Source "first" carries a long story; source "second" carries a syndicated copy of it under
another URL and guid, with three more words at the end (so it is not an exact copy).  The story
is a paragraph of 51 distinct words repeated ten times: appending its first three words only
adds word shingles the text already has, so any SimHash over word shingles of the copy is within
a Hamming distance of 0-3 of the original's however the votes fall, while the exact text hash
differs.  "second" is served only after "first" was polled (its first poll is a 404)."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

WORDS = ("harbour authority council approved plans tuesday expand northern pier adding "
         "berths container ships ferries while fishermen worried about noise traffic and "
         "rising fees during construction which should begin spring last three years cost "
         "estimated millions paid regional fund national grants private investors mayor "
         "said project would create jobs town quickly summer").split()
assert len(WORDS) == 51 and len(set(WORDS)) == 51
STORY = " ".join(WORDS * 10)
TITLE = "Harbour pier expansion approved"


class DedupeTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.http.write("first.rss", make_rss("First", [
            make_item(1, "first"),
            {"title": TITLE, "link": "https://first.example/harbour", "guid": "first-harbour",
             "description": STORY + "."},
        ]))

    def run_mode(self, mode, copy_text):
        d = self.daemon([{"id": "first", "url": self.http.url("/first.rss")},
                         {"id": "second", "url": self.http.url("/second.rss")}],
                        near_duplicates=mode)
        d.start()
        st = d.wait_polled()
        srcs = {s["id"]: s for s in st["sources"]}
        self.assertEqual(srcs["first"]["new"], 2)
        self.assertEqual(srcs["second"]["outcome"], "http-4xx")
        self.http.write("second.rss", make_rss("Second", [
            make_item(1, "second"),
            {"title": TITLE, "link": "https://second.example/news/harbour-pier",
             "guid": "second-77", "description": copy_text},
        ]))
        p, reply = d.refresh("second", force=True)  # its 404 put it in backoff
        self.assertEqual(p.returncode, 0, p.stderr)
        journal = d.replay_all()
        original = [m for m in journal if m["url"] == "https://first.example/harbour"]
        self.assertEqual(len(original), 1)
        copies = [m for m in journal if m["url"] == "https://second.example/news/harbour-pier"]
        return reply["second"], original[0], copies, journal

    def near_copy(self):
        return STORY + " " + " ".join(WORDS[:3]) + "."

    def test_drop(self):
        reply, orig, copies, journal = self.run_mode("drop", self.near_copy())
        self.assertEqual(copies, [], "a near-duplicate is dropped in mode drop")
        self.assertEqual((reply["items"], reply["new"], reply["duplicates"]), (2, 1, 1), reply)
        self.assertEqual([m["seq"] for m in journal], [1, 2, 3])

    def test_mark(self):
        reply, orig, copies, journal = self.run_mode("mark", self.near_copy())
        self.assertEqual(len(copies), 1, "a near-duplicate is emitted in mode mark")
        self.assertEqual(copies[0]["duplicate_of"], orig["id"])
        self.assertNotEqual(copies[0]["id"], orig["id"])
        self.assertIsNone(orig["duplicate_of"])
        self.assertEqual(reply["new"], 2)
        self.assertTrue(all(m["duplicate_of"] is None for m in journal if m is not copies[0]))

    def test_off(self):
        reply, orig, copies, journal = self.run_mode("off", self.near_copy())
        self.assertEqual(len(copies), 1)
        self.assertIsNone(copies[0]["duplicate_of"])
        self.assertEqual((reply["new"], reply["duplicates"]), (2, 0), reply)

    def test_exact_copy_under_another_url(self):
        """The same title and text under another URL and guid is an exact duplicate: dropped,
        whatever the near-duplicate mode (here off)."""
        reply, orig, copies, journal = self.run_mode("off", STORY + ".")
        self.assertEqual(copies, [])
        self.assertEqual((reply["new"], reply["duplicates"]), (1, 1), reply)


if __name__ == "__main__":
    harness.main()
