#!/usr/bin/python3
"""What the daemon does with a document's items beyond the plain ones: an entry with nothing
to publish is skipped, counted in status and named in the debug log; an item with only an
enclosure or an image is an article; the HTTP Content-Language is the language of a feed that
names none."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DOC = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Odd items</title><link>https://odd.example/</link>
<item><author>someone@odd.example</author><category>misc</category></item>
<item><enclosure url="https://odd.example/ep1.mp3" type="audio/mpeg" length="1234"/></item>
<item><description>&lt;img src="https://odd.example/photo.jpg"&gt;</description></item>
<item><title>A plain one</title><link>https://odd.example/a</link></item>
</channel></rss>
"""


class ItemsTest(harness.NewsdTestCase):

    def test_skipped_entries_and_content_language(self):
        self.http.write("odd.rss", DOC)
        self.http.rule("/odd.rss", headers={"Content-Language": "fr-ca"})
        d = self.daemon([{"id": "odd", "url": self.http.url("/odd.rss")}])
        d.start()
        st = d.wait_polled()
        src = {s["id"]: s for s in st["sources"]}["odd"]
        self.assertEqual((src["items"], src["new"], src["skipped"]), (3, 3, 1), src)
        harness.wait_until(lambda: "source odd: entry 1: " in d.log_text(),
                           what="the skipped entry named in the debug log")
        journal = d.replay_all()
        self.assertEqual(len(journal), 3)
        enclosure = [m for m in journal if m["enclosures"]]
        self.assertEqual(enclosure[0]["enclosures"][0]["url"], "https://odd.example/ep1.mp3")
        self.assertTrue(any(m["image"] == "https://odd.example/photo.jpg" for m in journal))
        for m in journal:
            self.assertEqual(m["language"], "fr-CA", m)
            self.assertEqual(m["feed"]["language"], "fr-CA")


if __name__ == "__main__":
    harness.main()
