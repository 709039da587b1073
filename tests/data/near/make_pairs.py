#!/usr/bin/env python3
"""Build tests/data/near/pairs.jsonl, the labeled near-duplicate set, and titles.jsonl, the
title-only set, from the hand-written material in tests/data/near/src/.  Deterministic: the same
files give the same output.

    python3 tests/data/near/make_pairs.py [DIR]

One JSON object a line:
  {"id": "...", "kind": "...", "label": "tie" | "not",
   "history": [item, ...],            # earlier items the daemon would have seen first
   "a": item, "b": item}
  item = {"source": "...", "title": "...", "text": "..."}   (text: paragraphs split by "\n\n")

"tie" pairs are one story (the second copy must be found); "not" pairs are look-alikes that
must never be tied.  Transformed copies are made here from the base articles; independent
reports, back-translations, briefs, flashes and short look-alikes are written by hand
(shorts.txt, backtrans.txt, independent.txt).  titles.jsonl holds only title-only items
(flashes.txt): flashes as other desks rewrite them, and look-alikes from one template with other
facts (numbers, names, places, the verb, who did what to whom, a later turn of the story).
"""
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")

OUTLET_NAMES = {
    "wire-north": "Northwind Wire",
    "courier": "Eastside Courier",
    "gazette-west": "Carrow Gazette",
    "business-daily": "The Business Daily",
    "sports-wire": "Sports Wire",
    "science-now": "Science Now",
    "culture-review": "The Meridian Review",
}
COPIERS = ["metro-aggregator", "regional-times", "portal-news", "daily-digest-site", "the-record"]
COPIER_NAMES = {
    "metro-aggregator": "Metro Aggregator",
    "regional-times": "Regional Times",
    "portal-news": "Portal News",
    "daily-digest-site": "Daily Digest",
    "the-record": "The Record",
}


def item(source, title, paras):
    if isinstance(paras, str):
        text = paras
    else:
        text = "\n\n".join(p for p in paras if p)
    return {"source": source, "title": title, "text": text}


def read_articles():
    arts = []
    for name in sorted(os.listdir(SRC)):
        if not name.startswith("articles"):
            continue
        with open(os.path.join(SRC, name), encoding="utf-8") as f:
            lines = [l.rstrip("\n") for l in f if not l.startswith("# ")]
        cur = None
        for line in lines:
            if line.startswith("### "):
                cur = {"slug": line[4:].strip(), "paras": [], "buf": []}
                arts.append(cur)
            elif cur is None:
                continue
            elif line.startswith("source: ") and "source" not in cur:
                cur["source"] = line[8:].strip()
            elif line.startswith("title: ") and "title" not in cur:
                cur["title"] = line[7:].strip()
            elif line.strip() == "":
                if cur["buf"]:
                    cur["paras"].append(" ".join(cur["buf"]))
                    cur["buf"] = []
            else:
                cur["buf"].append(line.strip())
        for a in arts:
            if a["buf"]:
                a["paras"].append(" ".join(a["buf"]))
                a["buf"] = []
    return arts


def read_hand_pairs(name):
    """@@@ kind / A: source | title / text... / B: source | title / text..."""
    pairs = []
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("# ")]
    cur = None
    side = None
    for line in lines + ["@@@ end"]:
        if line.startswith("@@@ "):
            if cur:
                pairs.append(cur)
            cur = {"kind": line[4:].strip(), "A": None, "B": None}
            side = None
        elif re.match(r"^[AB]: ", line):
            side = line[0]
            src, title = line[3:].split(" | ", 1)
            cur[side] = {"source": src.strip(), "title": title.strip(), "paras": [[]]}
        elif side:
            if line.strip() == "":
                cur[side]["paras"].append([])
            else:
                cur[side]["paras"][-1].append(line.strip())
    out = []
    for p in pairs:
        if p["kind"] == "end":
            continue
        items = []
        for s in "AB":
            x = p[s]
            paras = [" ".join(ws) for ws in x["paras"] if ws]
            items.append(item(x["source"], x["title"], paras))
        out.append((p["kind"], items[0], items[1]))
    return out


def read_outlets():
    blocks = {}
    cur = None
    with open(os.path.join(SRC, "outlets.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# ") or not line.strip():
                continue
            if line.startswith("=== "):
                cur = {"items": []}
                blocks[line[4:].strip()] = cur
            elif line.startswith("- "):
                t, text = line[2:].split(" :: ", 1)
                cur["items"].append((t.strip(), text.split("|")))
            else:
                key, _, val = line.partition(":")
                val = val.strip()
                cur[key.strip()] = val.split("|") if key.strip() in ("head", "tail") and val else (
                    [] if key.strip() in ("head", "tail") else val)
    return blocks


SENT_RE = re.compile(r"(?<=[.!?\"”’)])\s+(?=[\"“A-Z0-9])")


ABBREV = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "Prof.", "a.m.", "p.m.", "No.")


def sentences(paras):
    out = []
    for p in paras:
        for s in SENT_RE.split(p):
            if out and out[-1].endswith(ABBREV) and not out[-1].endswith(("a.m.", "p.m.")):
                out[-1] += " " + s
            elif s:
                out.append(s)
    return out


# --- transformations that keep the story (tie) -------------------------------------------

ALT_TITLES = {
    "port-strike": "Southern port workers back 72-hour walkout over cranes",
    "clinic-waits": "Shorter waits for a clinic appointment, except in the countryside",
    "bakery-fire": "Hartwell Bakery lost to overnight blaze after 100 years on Mill Street",
    "vaccine-trial": "Spray beats jab at keeping older adults out of hospital, trial finds",
    "library-fines": "No more overdue fines at city libraries from January",
    "river-flood": "Carrow braces for River Ness peak; homes may be evacuated",
    "chip-plant": "Harlow Mills wins 4.5 billion chip factory",
    "marathon-record": "Rain can't stop Kibet as he breaks marathon course record",
    "school-phones": "Phones to be locked away in secondary schools",
    "solar-farm": "Eldham divided over 260-megawatt solar park",
    "satellite-launch": "Wren-1 is in orbit: students hear first beep from their satellite",
    "bus-fares": "County bus fares going up 8% from April",
    "museum-return": "21 bronzes go home, 127 years after they were taken",
    "housing-prices": "Sixth monthly fall leaves homes 4.1% cheaper than a year ago",
    "drought-water": "Hosepipe ban extended to March as reservoirs hit 34 percent",
    "election-turnout": "Early voting doubles ahead of mayoral election",
    "coral-study": "Survivor corals spread after heatwave, offering reef some hope",
    "broadband-rural": "Upper valley gets fibre at last",
    "transit-strike-ends": "Capital's trams back as drivers accept pay offer",
    "referee-ban": "Lifetime ban for supporter who pushed referee Lena Brandt",
    "lighthouse-feature": "Agnes and Rolf Dahlberg have kept the Skerrin light for thirty years",
    "budget-analysis": "Spending plan explained: taxes, benefits, bills and homes",
    "ferry-collision": "Fishermen rescued after collision with ferry in fog",
    "orchestra-tour": "National Youth Orchestra plans 14-city world tour",
    "wildcat-sighting": "Trail camera captures wildcat in Greyhill Forest",
    "tech-layoffs": "Corvane to lay off 1,400 workers",
    "heatwave-warning": "Amber heat alert: temperatures to hit 35C",
    "chess-prodigy": "Tiago Mendes, 11, makes chess history in Lisbon",
    "court-fraud": "Deborah Kingsley jailed for stealing from children's charity",
    "obituary-poet": "Poet Ilse Marrow, author of The Net Mender, dies",
    "interview-chef": "Rafael Otero: why Brasa will never have a sister restaurant",
    "council-parking": "Town centre car parks to start charging in June",
    "measles-outbreak": "Measles outbreak grows in southern district",
    "airline-merger": "Skylark and Northjet to combine",
    "bridge-collapse-inquiry": "Halden footbridge was not inspected for six years, inquiry finds",
    "short-quake": "Magnitude 5.2 quake off Mar Verde",
    "short-museum": "Carrow museum open again",
}

CREDITS = [
    "Reporting by {a} in {c}; Editing by {e}",
    "(Reporting by {a}; additional reporting by {b}; editing by {e})",
    "Writing by {a}; Editing by {e} and {b}",
    "Reporting by {a} and {b}; Editing by {e}",
    "-- Reporting by {a}, {c} newsroom; editing by {e}",
]
REPORTERS = ["Sigrid Halvorsen", "Tom Eriksen", "Amal Haddad", "Jonas Brekke", "Lucia Romano",
             "Kenji Watanabe", "Nora Lindqvist", "Paul Achterberg", "Grace Owusu", "Ilya Petrov"]
CITIES = ["Tromsvik", "Valmont", "Carrow", "Halden", "Kallavik", "Eastport"]

FOOTERS = [
    ["Read more: {o} coverage of this story and related reports.",
     "Sign up for our free daily newsletter to get the top stories in your inbox every morning.",
     "Copyright 2026 {o}. All rights reserved."],
    ["Read more at {o}."],
    ["This article first appeared on {o} and is republished here under licence.",
     "Like what you read? Share this story and follow us for more."],
    ["© 2026 {o}. This material may not be published, broadcast, rewritten or redistributed without permission."],
    ["Want more stories like this? Subscribe to the {o} newsletter. It is free, and you can "
     "unsubscribe at any time.", "Read more: Latest news | Business | Sport | Opinion"],
    ["Read the full story on {o}", "Share this story"],
]

CAPTIONS = [
    "{C} pictured on Friday. (Photo: {p} / {o})",
    "FILE PHOTO: A general view of the area, as seen earlier this year. {o}/{p}/File Photo",
    "Photo: {p} for {o}",
    "People gather near the scene on Monday. Photograph: {p}/{o}",
    "Image caption: The site as it looked last week ({p})",
]
PHOTOGRAPHERS = ["Tomasz Reyes", "Ana Lima", "Oskar Berg", "Mina Sato", "Joel Adeyemi"]

UPDATE_PARAS = [
    "In a statement issued later in the day, the {org} said it would publish further details within a week and would answer questions from the public at a meeting on Monday.",
    "Asked about the decision on Thursday evening, a government spokesperson said ministers were following developments closely and would respond in due course.",
    "Speaking to reporters later, a spokeswoman for the {org} said the figures would be reviewed again at the end of the month.",
    "Opposition politicians called for an independent review, saying the public deserved a full explanation of what had happened and why.",
    "Later on Tuesday, the {org} said that it had received several hundred messages from members of the public since the announcement.",
    "The news was welcomed by local residents, several of whom said they had been waiting for months for a decision.",
]
ADDS_NOTES = ["(Adds statement in paragraph {n})", "(Adds comment from spokeswoman, paragraph {n})",
              "(Adds reaction in paragraph {n}, updates headline)", "(Adds details from statement)"]
ORGS = ["ministry", "company", "council", "authority", "association", "board"]

# British -> American spellings (the base texts are written in British spelling).
BRIT_US = {
    "neighbour": "neighbor", "neighbours": "neighbors", "neighbouring": "neighboring",
    "harbour": "harbor", "harbourmaster": "harbormaster", "colour": "color", "colours": "colors",
    "favour": "favor", "labour": "labor", "honour": "honor", "behaviour": "behavior",
    "centre": "center", "centres": "centers", "metres": "meters", "metre": "meter",
    "kilometres": "kilometers", "kilometre": "kilometer", "centimetres": "centimeters",
    "litres": "liters", "litre": "liter", "theatre": "theater", "programme": "program",
    "organised": "organized", "organise": "organize", "organisers": "organizers",
    "organisation": "organization", "recognised": "recognized", "recognise": "recognize",
    "criticised": "criticized", "apologised": "apologized", "realised": "realized",
    "travelled": "traveled", "travelling": "traveling", "cancelled": "canceled",
    "licence": "license", "defence": "defense", "offence": "offense", "catalogue": "catalog",
    "grey": "gray", "tyres": "tires", "storey": "story", "jewellery": "jewelry",
    "analyse": "analyze", "paralysed": "paralyzed", "storeys": "stories", "autumn": "fall",
    "percent": "percent", "per cent": "percent", "whilst": "while", "towards": "toward",
    "mum": "mom", "aeroplane": "airplane", "enrol": "enroll", "fulfil": "fulfill",
    "ageing": "aging", "judgement": "judgment", "sceptical": "skeptical", "draught": "draft",
    "plough": "plow", "mould": "mold", "aluminium": "aluminum", "paediatric": "pediatric",
    "manoeuvre": "maneuver", "modelled": "modeled", "labelled": "labeled",
    "fuelled": "fueled", "counselling": "counseling", "practise": "practice",
    "specialised": "specialized", "prioritise": "prioritize", "emphasise": "emphasize",
    "hospitalised": "hospitalized", "summarised": "summarized", "mobilised": "mobilized",
    "cosy": "cozy", "dialogue": "dialog", "kerb": "curb", "cheque": "check",
}


def spell_us(text):
    def sub(m):
        w = m.group(0)
        low = w.lower()
        if low in BRIT_US:
            r = BRIT_US[low]
            return r[0].upper() + r[1:] if w[0].isupper() else r
        return w
    return re.sub(r"[A-Za-z]+", sub, text)


def us_word_count(paras):
    return sum(1 for w in re.findall(r"[A-Za-z]+", " ".join(paras)) if w.lower() in BRIT_US
               and BRIT_US[w.lower()] != w.lower())


def copier(rng, art):
    return rng.choice(COPIERS)


def t_retitle(rng, art):
    return item(copier(rng, art), ALT_TITLES[art["slug"]], art["paras"])


def t_outlet(rng, art):
    o = OUTLET_NAMES[art["source"]]
    sep = rng.choice([" - ", " | ", " — ", " : "])
    return item(copier(rng, art), art["title"] + sep + o, art["paras"])


def t_teaser(rng, art):
    n = 1 if len(art["paras"]) < 4 else rng.choice([1, 2, 2])
    paras = art["paras"][:n]
    if rng.random() < 0.3:
        paras = paras[:-1] + [paras[-1] + " […]"]
    return item(copier(rng, art), art["title"], paras)


def credit_line(rng):
    names = rng.sample(REPORTERS, 3)
    return rng.choice(CREDITS).format(a=names[0], b=names[1], e=names[2], c=rng.choice(CITIES))


def t_credit(rng, art):
    return item(copier(rng, art), art["title"], art["paras"] + [credit_line(rng)])


def footer_lines(rng, name, k=None):
    f = FOOTERS[k if k is not None else rng.randrange(len(FOOTERS))]
    return [l.format(o=name) for l in f]


def t_footer(rng, art):
    src = copier(rng, art)
    return item(src, art["title"], art["paras"] + footer_lines(rng, COPIER_NAMES[src]))


def caption_line(rng, art, name):
    cap = rng.choice(CAPTIONS)
    names = re.findall(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", " ".join(art["paras"]))
    who = names[0] if names else "The scene"
    return cap.format(C=who, p=rng.choice(PHOTOGRAPHERS), o=name)


def t_caption(rng, art):
    src = copier(rng, art)
    paras = list(art["paras"])
    pos = rng.choice([0, 1, 1, 2]) if len(paras) > 2 else 1
    paras.insert(min(pos, len(paras)), caption_line(rng, art, COPIER_NAMES[src]))
    return item(src, art["title"], paras)


def t_spelling(rng, art):
    return item(copier(rng, art), art["title"], [spell_us(p) for p in art["paras"]])


def t_update(rng, art):
    paras = list(art["paras"])
    extra = rng.choice(UPDATE_PARAS).format(org=rng.choice(ORGS))
    pos = rng.randrange(1, len(paras) + 1)
    paras.insert(pos, extra)
    note = rng.choice(ADDS_NOTES).format(n=pos + 1)
    title = "UPDATE 2-" + art["title"]
    return item(art["source"] if rng.random() < 0.5 else copier(rng, art), title, [note] + paras)


def t_identical(rng, art):
    return item(copier(rng, art), art["title"], art["paras"])


def t_combo(rng, art):
    src = copier(rng, art)
    name = COPIER_NAMES[src]
    paras = list(art["paras"])
    title = art["title"]
    steps = rng.sample(["retitle", "outlet", "credit", "footer", "caption", "spelling", "teaser"], 3)
    if "teaser" in steps and len(paras) > 3:
        paras = paras[:2]
    if "spelling" in steps:
        paras = [spell_us(p) for p in paras]
    if "caption" in steps:
        paras.insert(1, caption_line(rng, art, name))
    if "credit" in steps:
        paras.append(credit_line(rng))
    if "footer" in steps:
        paras += footer_lines(rng, name)
    if "retitle" in steps:
        title = ALT_TITLES[art["slug"]]
    if "outlet" in steps:
        title = title + " - " + OUTLET_NAMES[art["source"]]
    return item(src, title, paras), "+".join(sorted(steps))


# --- look-alikes (not) -------------------------------------------------------------------

COMMENTS = [
    "Worth reading for the numbers alone, though the piece leaves the obvious question about cost unanswered.",
    "I have been saying this for years, and it is good to see it in print at last.",
    "A useful reminder that the details of a policy matter more than the announcement.",
    "Not the whole story, in my view: nobody asked the people who will actually have to live with it.",
    "Filed under things that should have happened a decade ago.",
    "The quote near the end is the best thing I read all week.",
    "Compare this with what we linked to last Tuesday and you will see how fast things are moving.",
    "Hard to know yet what this means in practice; we will keep an eye on it.",
    "Good reporting on a story most outlets ignored.",
    "My take: cautiously optimistic, but I have been burned before.",
]
DIGEST_INTROS = ["{o} reports:", "From {o}:", "Via {o}:", "Spotted in {o} this morning:",
                 "{o} has the story:"]
DIGEST_TITLES = ["Links for the week", "Today's reading list", "What we're reading",
                 "The morning read", "Worth your time"]
DIGEST_SOURCES = ["link-blog", "weekly-links", "reading-list"]


def n_digest(rng, art, others):
    sents = sentences(art["paras"])
    i = rng.randrange(0, max(1, len(sents) - 1))
    quote = " ".join(sents[i:i + 2])
    o = OUTLET_NAMES[art["source"]]
    src = rng.choice(DIGEST_SOURCES)
    style = rng.randrange(3)
    if style == 0:  # one story, quoted and commented
        paras = [rng.choice(DIGEST_INTROS).format(o=o), "“" + quote + "”",
                 rng.choice(COMMENTS), "Read the full story at " + o + "."]
        title = art["title"] + " (via " + o + ")" if rng.random() < 0.5 else rng.choice(DIGEST_TITLES)
    elif style == 1:  # commentary first, then the quote
        paras = [rng.choice(COMMENTS) + " " + rng.choice(COMMENTS), o + " writes: “" + quote + "”",
                 "Link: " + o]
        title = rng.choice(DIGEST_TITLES)
    else:  # a list of several stories, one of them quoted
        lines = []
        for k, oth in enumerate(others[:4], 1):
            lines.append("%d. %s (%s)" % (k, oth["title"], OUTLET_NAMES[oth["source"]]))
        lines.insert(rng.randrange(len(lines) + 1), "%s: “%s”" % (art["title"], quote))
        paras = ["Five things worth your time today:"] + lines + [
            "Reply to this email to suggest links for tomorrow."]
        title = rng.choice(DIGEST_TITLES)
    return item(src, title, paras)


BRIEF_BULLETS = [
    "The council will vote tonight on the new parking charges for the town centre.",
    "Rail services on the coast line are running normally after last week's landslide.",
    "The river is expected to stay high until Wednesday; flood warnings remain in place.",
    "Tickets for the youth orchestra's anniversary concert go on sale at 10 a.m.",
    "Inflation figures for October are published at 9:30 a.m.",
    "The trial of the former charity director continues with evidence from board members.",
    "Tram drivers vote today on the latest pay offer.",
    "Expect showers this morning, clearing to sunshine by the afternoon, with a high of 14C.",
    "Harlow City play Eastport tonight in the cup semi-final, kick-off 7:45 p.m.",
    "Road works on the northern ring road close two lanes until Friday.",
    "The health board publishes waiting time figures for community clinics.",
    "A public meeting on the Eldham solar park starts at 7 p.m. in the village hall.",
    "Water restrictions remain in force; the hosepipe ban is extended to March.",
    "The city marathon closes several central roads on Sunday from 6 a.m.",
    "The library is closed this morning for staff training and opens at 1 p.m.",
    "Parliament debates the plastic cutlery ban this afternoon.",
    "Bus fares rise from Monday; monthly passes go up by less than single tickets.",
    "The school board meets to discuss the 9 a.m. start pilot.",
    "Expect frost overnight, with temperatures falling to minus 3C in rural areas.",
    "The museum's bronze sculptures leave for their return journey this week.",
    "Early voting in the mayoral election ends at 6 p.m.",
    "Strike ballots at the southern ports close at noon.",
    "Night buses to the eastern suburbs begin running this weekend.",
    "The new walk-in clinic at the central station is open from 7 a.m.",
]
BRIEF_TITLES = ["Morning briefing", "Your Tuesday briefing", "Today in brief",
                "Live: latest updates", "What you need to know today"]


def n_recurring(rng, arts, k):
    title = BRIEF_TITLES[k % len(BRIEF_TITLES)]
    src = rng.choice(["courier", "gazette-west", "wire-north"])
    if title.startswith("Live"):
        a, b = rng.sample([x for x in arts if len(x["paras"]) >= 3], 2)
        return (item(src, title, a["paras"][:4]), item(src, title, b["paras"][:4]), [])
    bullets = rng.sample(BRIEF_BULLETS, 7)
    intro = "Good morning. Here is what you need to know today."
    outro = "That's all for now. We will be back tomorrow at 7 a.m."
    ia = item(src, title, [intro] + bullets[:4] + [outro])
    ib = item(src, title, [intro] + bullets[3:7] + [outro])  # one bullet carried over
    hist = []
    if k % 2 == 0:
        h = rng.sample(BRIEF_BULLETS, 4)
        hist.append(item(src, title, [intro] + h + [outro]))
    return ia, ib, hist


def outlet_items(block, idx):
    out = []
    for i in idx:
        t, varying = block["items"][i]
        title = block["title"].replace("{n}", str(40 + i)).replace("{t}", t)
        out.append(item(block["source"], title, block["head"] + varying + block["tail"]))
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    rng = random.Random(20261127)
    arts = read_articles()
    by_slug = {a["slug"]: a for a in arts}
    assert set(ALT_TITLES) == set(by_slug), set(ALT_TITLES) ^ set(by_slug)
    pairs = []

    def add(kind, label, a, b, history=(), note=None):
        rec = {"id": "%s-%03d" % (kind, sum(1 for p in pairs if p["kind"] == kind) + 1),
               "kind": kind, "label": label, "history": list(history), "a": a, "b": b}
        if note:
            rec["note"] = note
        pairs.append(rec)

    def orig(art):
        return item(art["source"], art["title"], art["paras"])

    long_arts = [a for a in arts if len(a["paras"]) >= 3]
    # ties, made by script
    plan = [("retitle", t_retitle, arts, 12), ("outlet-name", t_outlet, arts, 12),
            ("teaser", t_teaser, long_arts, 16), ("credit", t_credit, arts, 12),
            ("footer", t_footer, arts, 14), ("caption", t_caption, arts, 12),
            ("update", t_update, long_arts, 12), ("identical", t_identical, arts, 4)]
    for kind, fn, pool, n in plan:
        for art in rng.sample(pool, n):
            add(kind, "tie", orig(art), fn(rng, art))
    spell_pool = sorted(arts, key=lambda a: -us_word_count(a["paras"]))[:12]
    for art in spell_pool:
        add("spelling", "tie", orig(art), t_spelling(rng, art))
    for art in rng.sample(long_arts, 16):
        b, steps = t_combo(rng, art)
        add("several", "tie", orig(art), b, note=steps)
    # a copier's own footer, which the daemon has already seen on its other items
    for art in rng.sample(arts, 6):
        src = rng.choice(COPIERS)
        k = rng.randrange(len(FOOTERS))
        others = rng.sample([x for x in arts if x is not art], 2)
        hist = [item(src, o["title"], o["paras"] + footer_lines(rng, COPIER_NAMES[src], k))
                for o in others]
        add("footer", "tie", orig(art),
            item(src, art["title"], art["paras"] + footer_lines(rng, COPIER_NAMES[src], k)), hist)
    # ties, hand-written
    for kind, a, b in read_hand_pairs("shorts.txt"):
        add(kind, "tie" if kind in ("brief", "flash") else "not", a, b)
    for kind, a, b in read_hand_pairs("backtrans.txt"):
        add(kind, "tie", a, b)
    # look-alikes
    for kind, a, b in read_hand_pairs("independent.txt"):
        add(kind, "not", a, b)
    for art in rng.sample(long_arts, 26):
        others = rng.sample([x for x in arts if x is not art], 4)
        add("digest", "not", orig(art), n_digest(rng, art, others))
    for k in range(26):
        a, b, hist = n_recurring(rng, arts, k)
        add("recurring-headline", "not", a, b, hist)
    blocks = read_outlets()
    for name, kind in (("podcast", "template-podcast"), ("release", "template-release"),
                       ("classifieds", "template-classifieds"), ("calendar", "template-calendar"),
                       ("newsletter", "shared-footer")):
        block = blocks[name]
        n = len(block["items"])
        for k in range(12 if name != "newsletter" else 14):
            idx = rng.sample(range(n), 2 + rng.choice([2, 3]))
            its = outlet_items(block, idx)
            add(kind, "not", its[-2], its[-1], its[:-2])
    write(os.path.join(out_dir, "pairs.jsonl"), pairs)
    # the title-only set
    pairs = []
    for kind, a, b in read_hand_pairs("flashes.txt"):
        add(kind, "tie" if kind == "flash" else "not", a, b)
    write(os.path.join(out_dir, "titles.jsonl"), pairs)


def write(path, pairs):
    with open(path, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    ties = sum(1 for p in pairs if p["label"] == "tie")
    print("%s: %d pairs: %d tie, %d not" % (os.path.basename(path), len(pairs), ties,
                                            len(pairs) - ties), file=sys.stderr)


if __name__ == "__main__":
    main()
