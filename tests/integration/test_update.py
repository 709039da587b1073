#!/usr/bin/python3
"""event "update": an Atom entry published before comes back with another text and a later
<updated>: the daemon publishes it again with the same id, the next seq and event "update";
the same text again, or a changed text without a later date, publishes nothing."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def atom(updated, text):
    return """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Storm desk</title><id>tag:storm.example,2026:feed</id>
  <updated>%s</updated>
  <entry>
    <id>tag:storm.example,2026:warning-1</id>
    <title>Storm warning for the coast</title>
    <link href="https://storm.example/warning-1"/>
    <published>2026-11-27T09:00:00Z</published>
    <updated>%s</updated>
    <content type="html">&lt;p&gt;%s&lt;/p&gt;</content>
  </entry>
</feed>
""" % (updated, updated, text)


class UpdateTest(harness.NewsdTestCase):

    def test_update_event(self):
        self.http.write("storm.atom", atom("2026-11-27T10:00:00Z", "Winds of 80 km/h tonight."))
        d = self.daemon([{"id": "storm", "url": self.http.url("/storm.atom")}])
        d.start()
        d.wait_polled()
        first = d.replay_all()
        self.assertEqual(len(first), 1)
        self.assertEqual(first[0]["event"], "article")

        self.http.write("storm.atom", atom("2026-11-27T12:00:00Z", "Winds of 120 km/h tonight."))
        p, reply = d.refresh("storm")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((reply["storm"]["new"], reply["storm"]["updated"]), (0, 1), reply)
        journal = d.replay_all()
        self.assertEqual(len(journal), 2)
        upd = journal[1]
        self.assertEqual(upd["event"], "update")
        self.assertEqual(upd["id"], first[0]["id"])
        self.assertEqual((upd["seq"], upd["topic_seq"]), (2, 2))
        self.assertEqual(upd["content_text"], "Winds of 120 km/h tonight.")
        self.assertEqual(upd["updated"], "2026-11-27T12:00:00Z")

        # the same version again, then a new text without a later date: nothing
        p, reply = d.refresh("storm")
        self.assertEqual((reply["storm"]["new"], reply["storm"]["updated"]), (0, 0), reply)
        self.http.write("storm.atom", atom("2026-11-27T12:00:00Z", "Winds of 130 km/h tonight."))
        p, reply = d.refresh("storm")
        self.assertEqual((reply["storm"]["new"], reply["storm"]["updated"]), (0, 0), reply)
        self.assertEqual(len(d.replay_all()), 2)

        # and across a restart
        rc, _ = d.stop()
        self.assertEqual(rc, 0)
        self.http.write("storm.atom", atom("2026-11-28T08:00:00Z", "The storm has passed."))
        d.start()
        p, reply = d.refresh("storm")  # not due yet: a restart polls only what is due
        self.assertEqual((reply["storm"]["new"], reply["storm"]["updated"]), (0, 1), reply)
        journal = d.replay_all()
        self.assertEqual([m["event"] for m in journal], ["article", "update", "update"])
        self.assertEqual(journal[2]["id"], first[0]["id"])


if __name__ == "__main__":
    harness.main()
