// A newsd subscriber that misses nothing: node subscriber.mjs PUB CONTROL STATE
//
// PUB is newsd's publish endpoint (tcp://127.0.0.1:5556), CONTROL its control endpoint
// (ipc:///run/newsd/control.sock), STATE a file holding the seq of the last article handled.
// Each article is handled once, in seq order: here, printed as "SEQ ID TITLE".
//
// At start, and whenever a message's seq is not the next one (the subscriber was stopped, or
// ZeroMQ dropped messages at a high-water mark), the articles after the last one handled are
// asked from newsd's journal with the control protocol's `replay` command. The seq is written
// to STATE after each article, so a restart resumes where the last run stopped. SIGTERM and
// SIGINT stop it between two articles. Needs the `zeromq` npm package (`npm ci` here).
import fs from "node:fs";
import * as zmq from "zeromq";

function fail(text) {
  process.stderr.write(`subscriber: ${text}\n`);
  process.exit(1);
}

function loadSeq(path) {
  try {
    return parseInt(fs.readFileSync(path, "utf8"), 10) || 0;
  } catch (e) {
    if (e.code === "ENOENT") return 0;
    throw e;
  }
}

function saveSeq(path, seq) {
  fs.writeFileSync(path + ".tmp", `${seq}\n`);
  fs.renameSync(path + ".tmp", path); // atomic: the file holds the old seq or the new one
}

class Consumer {
  constructor(control, state) {
    this.control = control;
    this.state = state;
    this.last = loadSeq(state);
  }

  // Handle one article unless it was handled already.
  handle(msg) {
    if (msg.seq <= this.last) return;
    fs.writeSync(1, `${msg.seq} ${msg.id} ${msg.title ?? ""}\n`);
    this.last = msg.seq;
    saveSeq(this.state, this.last);
  }

  // Every journaled article after this.last, page by page.
  async replay() {
    const sock = new zmq.Dealer({ linger: 0, receiveTimeout: 10000 });
    sock.connect(this.control);
    try {
      for (;;) {
        const req = { cmd: "replay", since: this.last, limit: 500 };
        await sock.send(["", JSON.stringify(req)]);
        let frames;
        try {
          frames = (await sock.receive()).slice(1); // after the empty delimiter
        } catch (e) {
          if (e.code === "EAGAIN") fail(`no answer from newsd at ${this.control}`);
          throw e;
        }
        const head = JSON.parse(frames[0].toString());
        if (!head.ok) fail(`replay refused: ${head.error}`);
        for (const frame of frames.slice(1)) this.handle(JSON.parse(frame.toString()));
        if (!head.more) return;
      }
    } finally {
      sock.close();
    }
  }

  async receive(msg) {
    if (msg.seq > this.last + 1) {
      process.stderr.write(`subscriber: gap after seq ${this.last} (got ${msg.seq}), replaying\n`);
      await this.replay();
    }
    this.handle(msg);
  }
}

async function main() {
  if (process.argv.length !== 5)
    fail("usage: node subscriber.mjs PUB-ENDPOINT CONTROL-ENDPOINT STATE-FILE");
  const [pub, control, state] = process.argv.slice(2);
  let stopping = false;
  process.on("SIGTERM", () => (stopping = true));
  process.on("SIGINT", () => (stopping = true));
  // short waits, so that a signal stops the loop soon
  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 200 });
  sub.connect(pub);
  sub.subscribe(); // every topic: seq counts every article
  const c = new Consumer(control, state);
  process.stderr.write(`subscriber: resuming after seq ${c.last}\n`);
  await c.replay(); // what was published while this subscriber was not running
  while (!stopping) {
    let frames;
    try {
      frames = await sub.receive();
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      throw e;
    }
    await c.receive(JSON.parse(frames[1].toString()));
  }
  sub.close();
}

main().catch((e) => fail(e.message));
