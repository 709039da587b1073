#!/usr/bin/env python3
"""The held-back near-duplicate set (tests/data/near/holdout/pairs.jsonl).

Made apart from the main set and never used to tune the method: other base stories
(stories.md, American spelling), other outlets, other wording of credits, captions and
footers, copies cut by sentences rather than paragraphs, updates that add a new first
paragraph, British spelling put in rather than taken out.  Same output format as
../make_pairs.py (one JSON object a line: id, kind, label, history, a, b).  Deterministic.

    python3 tests/data/near/holdout/make_holdout.py [OUT]
"""
import json
import os
import random
import re
import sys

DIR = os.path.dirname(os.path.abspath(__file__))
SEED = 7041

OUTLETS = {
    "metro-ledger": "The Metro Ledger", "farm-report": "Farm Report Daily",
    "tech-current": "Tech Current", "valley-tribune": "The Valley Tribune",
    "sports-desk": "Sports Desk", "health-wire": "Health Wire",
}
REPUBLISHERS = ["newsnow-hub", "statewide-feed", "the-bulletin", "community-post"]
REPUB_NAMES = {"newsnow-hub": "NewsNow Hub", "statewide-feed": "Statewide Feed",
               "the-bulletin": "The Bulletin", "community-post": "Community Post"}


def load_stories():
    text = open(os.path.join(DIR, "stories.md"), encoding="utf-8").read()
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    out = []
    for chunk in text.split("\n## ")[1:]:
        head, _, rest = chunk.partition("\n")
        slug, outlet = re.match(r"(\S+) \((\S+)\)", head.strip()).groups()
        lines = rest.strip().split("\n")
        headline = lines[0].lstrip("# ").strip()
        body = "\n".join(lines[1:]).strip()
        paras = [p.replace("\n", " ").strip() for p in body.split("\n\n") if p.strip()]
        out.append(dict(slug=slug, outlet=outlet, headline=headline, paras=paras))
    return out


def split_sentences(p):
    parts, cur = [], ""
    for tok in re.split(r"(?<=[.?!\"”])\s+", p):
        cur = (cur + " " + tok).strip() if cur else tok
        if not re.search(r"\b(Dr|Mr|Mrs|Ms|St|U\.S|a\.m|p\.m)\.$", cur):
            parts.append(cur)
            cur = ""
    if cur:
        parts.append(cur)
    return parts


def art(source, title, paras):
    return {"source": source, "title": title, "text": "\n\n".join(paras)}


OTHER_HEADLINES = {
    "transit-fare-cap": "Transit board approves daily and monthly fare caps",
    "wheat-harvest": "Freeze and drought leave plains wheat crop 18% smaller",
    "data-breach": "Meridian Health Partners breach exposes 2.3M patients",
    "school-lunch-debt": "Mystery benefactor clears Cedar Valley lunch balances",
    "wildfire-smoke": "Valley told to stay inside as smoke turns sky orange",
    "union-vote": "Distribution center workers win union election",
    "bridge-toll": "Harbor Crossing toll going up $1.50",
    "robot-surgery": "Boston surgeon removes Atlanta patient's gallbladder by robot",
    "library-book-bans": "Twelve challenged books are going back on Cedar County shelves",
    "minor-league": "Otters leaving Riverton for Lake Forest",
    "fentanyl-test": "Governor signs law making fentanyl test strips legal to buy",
    "ev-chargers": "Fast chargers every 50 miles on state interstates, officials promise",
    "museum-theft": "$250K in gold coins stolen from history museum",
    "heat-pumps": "Propane out, heat pumps in on the region's farms",
    "city-budget-short": "Mayor Price orders hiring freeze over $210M shortfall",
    "college-tuition": "Regents hold in-state tuition at $11,480",
    "storm-damage": "EF-2 twister hits Millbrook, damaging 60 homes",
    "chess-club": "Riverton High's upstart chess team takes state title",
}

CREDIT_NOTES = [
    "Staff writer {n} contributed to this report.",
    "{n} is a reporter covering {t}. Contact: {e}@{d}.example",
    "Additional reporting by {n} and {m}.",
    "This report was produced with help from {n}.",
]
PEOPLE = ["Jordan Ellis", "Maya Thornton", "Chris Alvarado", "Sam Whitfield", "Priya Kapoor",
          "Ben Okafor", "Rachel Stein", "Luis Cabrera"]
TOPICS = ["transportation", "agriculture", "technology", "education", "public health", "sports"]

FOOTERS = [
    ["This story was originally published by {o}. Sign up for {o}'s weekly email to get stories like this one in your inbox."],
    ["Have a news tip? Email the newsroom at tips@{d}.example or call our tip line."],
    ["{o} is a nonprofit newsroom. Your donation keeps our reporting free for everyone. Donate today."],
    ["Copyright (c) 2026 {o}, Inc. Reuse of this article requires written permission.",
     "Terms of use | Privacy policy | Contact us"],
    ["Get the latest headlines delivered to your phone: download the {o} app."],
    ["More from {o}:", "Council approves new bike lanes downtown", "Five things to do this weekend"],
]

CAPTIONS = [
    "{who} speaks to reporters on Tuesday. ({p}/{o})",
    "[Photo: {p} | {o}]",
    "Credit: {p}, {o}",
    "Pictured: the scene on Wednesday afternoon. {p} for {o}",
    "A view of the area earlier this month. (AP Photo/{p})",
]
SHOOTERS = ["Kim Tran", "Oscar Rivera", "Dana Wells", "Eli Brooks"]

UPDATE_LEADS = [
    "Officials said late Friday that they would hold a public hearing on the matter next month, after hundreds of residents wrote in to ask for one.",
    "The decision drew criticism within hours from groups who said they had not been consulted, and who promised to challenge it.",
    "A spokesperson confirmed the details in an email on Thursday night and said more information would be released next week.",
    "State lawmakers from both parties said Wednesday they would seek hearings on what happened and why.",
]
UPDATE_NOTES = ["(Adds new first paragraph, details throughout)", "(Adds reaction in paragraphs 1-2)",
                "(Updates with official confirmation)"]
UPDATE_PREFIX = ["UPDATE 1-", "UPDATED: ", "REFILE-UPDATE 3-"]

US_TO_UK = {
    "color": "colour", "center": "centre", "centers": "centres", "neighbor": "neighbour",
    "neighbors": "neighbours", "favorite": "favourite", "organize": "organise",
    "organized": "organised", "organizers": "organisers", "organizing": "organising",
    "analyze": "analyse", "program": "programme", "defense": "defence", "license": "licence",
    "traveled": "travelled", "canceled": "cancelled", "labor": "labour", "behavior": "behaviour",
    "gray": "grey", "tire": "tyre", "tires": "tyres", "meters": "metres", "liters": "litres",
    "theater": "theatre", "recognize": "recognise", "criticized": "criticised",
    "apologized": "apologised", "realize": "realise", "honor": "honour", "rumor": "rumour",
    "fiber": "fibre", "jewelry": "jewellery", "catalog": "catalogue", "check": "cheque",
    "toward": "towards", "harbor": "harbour", "harbors": "harbours", "eerie": "eerie",
    "shriveled": "shrivelled", "enrollment": "enrolment", "fulfill": "fulfil",
    "emphasize": "emphasise", "prioritize": "prioritise", "utilize": "utilise",
    "maximize": "maximise", "minimize": "minimise", "apologize": "apologise",
    "urged": "urged", "percent": "per cent", "modeled": "modelled", "practice": "practise",
}


def to_uk(s):
    def f(m):
        w = m.group(0)
        r = US_TO_UK.get(w.lower())
        if not r:
            return w
        return r.capitalize() if w[0].isupper() else r
    return re.sub(r"[A-Za-z]+", f, s)


class Maker:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.out = []
        self.counts = {}

    def pair(self, kind, label, a, b, history=()):
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.out.append({"id": "h-%s-%d" % (kind, self.counts[kind]), "kind": kind,
                         "label": label, "history": list(history), "a": a, "b": b})

    def repub(self):
        return self.rng.choice(REPUBLISHERS)

    # -- copies
    def headline_swap(self, s):
        return art(self.repub(), OTHER_HEADLINES[s["slug"]], s["paras"])

    def name_suffix(self, s):
        fmt = self.rng.choice(["{h} ({o})", "{h} · {o}", "{h} - via {o}", "{o}: {h}"])
        return art(self.repub(), fmt.format(h=s["headline"], o=OUTLETS[s["outlet"]]), s["paras"])

    def cut(self, s):
        sents = [x for p in s["paras"] for x in split_sentences(p)]
        n = self.rng.choice([1, 2, 3])
        body = " ".join(sents[:n])
        tail = self.rng.choice(["", " ...", " Continue reading →", "\n\nKeep reading on " +
                                OUTLETS[s["outlet"]] + "."])
        return art(self.repub(), s["headline"], [body + tail] if "\n" not in tail
                   else [body, tail.strip()])

    def credited(self, s):
        n, m = self.rng.sample(PEOPLE, 2)
        note = self.rng.choice(CREDIT_NOTES).format(
            n=n, m=m, t=self.rng.choice(TOPICS), e=n.split()[0].lower(),
            d=s["outlet"].replace("-", ""))
        return art(self.repub(), s["headline"], s["paras"] + [note])

    def footed(self, s, src=None, k=None):
        src = src or self.repub()
        f = FOOTERS[self.rng.randrange(len(FOOTERS)) if k is None else k]
        lines = [x.format(o=REPUB_NAMES.get(src, src), d=src.replace("-", "")) for x in f]
        return art(src, s["headline"], s["paras"] + lines)

    def captioned(self, s):
        src = self.repub()
        names = re.findall(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", s["paras"][-1] + " " + s["paras"][0])
        cap = self.rng.choice(CAPTIONS).format(who=names[0] if names else "An official",
                                               p=self.rng.choice(SHOOTERS), o=REPUB_NAMES[src])
        paras = list(s["paras"])
        paras.insert(self.rng.choice([0, 2]) if len(paras) > 2 else 0, cap)
        return art(src, s["headline"], paras)

    def british(self, s):
        return art(self.repub(), s["headline"], [to_uk(p) for p in s["paras"]])

    def updated(self, s):
        paras = [self.rng.choice(UPDATE_LEADS)] + list(s["paras"])
        return art(s["outlet"], self.rng.choice(UPDATE_PREFIX) + s["headline"],
                   paras + [self.rng.choice(UPDATE_NOTES)])

    def combined(self, s):
        x = self.british(s) if self.rng.random() < 0.5 else self.captioned(s)
        x = dict(x)
        paras = x["text"].split("\n\n")
        n, _ = self.rng.sample(PEOPLE, 2)
        paras.append("Staff writer %s contributed to this report." % n)
        paras += ["Have a news tip? Email the newsroom at tips@%s.example." % x["source"]]
        x["text"] = "\n\n".join(paras)
        x["title"] = OTHER_HEADLINES[s["slug"]] + " | " + OUTLETS[s["outlet"]]
        return x


# -- hand-written pairs (holdout wording) ----------------------------------------------

BRIEFS = [
    ("The Interstate 40 bridge over the Red River reopened to traffic Monday, three weeks after a barge strike damaged one of its piers.",
     "I-40 bridge reopens", "Red River bridge back open after barge strike"),
    ("Sen. Marjorie Collins will not seek a fourth term next year, her office announced Wednesday.",
     "Collins won't run again", "Sen. Collins announces retirement"),
    ("The Federal Aviation Administration on Friday grounded all flights by regional carrier SkyHop after an inspection found maintenance records missing for 14 aircraft.",
     "FAA grounds SkyHop", "SkyHop flights grounded over maintenance records"),
    ("Lake Forest police arrested a 19-year-old man Tuesday in connection with a string of car break-ins at the Lakeside Mall parking garage.",
     "Arrest in mall car break-ins", "Police: 19-year-old held in Lakeside Mall break-ins"),
    ("The Cedar County fair will return in August after a three-year absence, organizers said Thursday.",
     "County fair is back", "Cedar County fair returning in August"),
    ("A 6-year-old boy who went missing during a camping trip in the state forest was found safe Sunday morning after an overnight search involving more than 100 volunteers.",
     "Missing boy found safe", "Boy, 6, found after night in state forest"),
    ("Grocery chain FreshMart will raise its starting wage to $18 an hour for all store workers beginning in September.",
     "FreshMart raises pay", "FreshMart to pay workers at least $18"),
    ("The Riverton school board on Monday named assistant superintendent Carla Jimenez as the district's next superintendent.",
     "Jimenez named superintendent", "Riverton schools pick Carla Jimenez to lead district"),
]

FLASHES = [
    ("Fed holds rates steady, signals two cuts later this year", "FED HOLDS RATES STEADY; SIGNALS 2 CUTS LATER THIS YEAR"),
    ("Apple to buy streaming startup Lumen for $3.2 billion", "Apple agrees to acquire Lumen for $3.2B"),
    ("Magnitude 7.0 earthquake hits southern Peru, tsunami warning issued", "Strong 7.0 quake strikes southern Peru; tsunami warning"),
    ("Supreme Court strikes down state's social media age law", "BREAKING: Supreme Court strikes down social media age law"),
    ("Otters fire manager Rick Dawson after 12-game skid", "Otters dismiss manager Rick Dawson following 12-game losing streak"),
    ("Governor Alvarez declares state of emergency over flooding", "Gov. Alvarez declares flood emergency"),
    ("Meridian Health Partners CEO resigns after data breach", "Meridian Health CEO steps down in wake of breach"),
    ("Storm knocks out power to 200,000 homes in three states", "200,000 without power in three states after storm"),
]

SHORT_NOT = [  # (title a, text a, title b, text b)
    ("Jobless claims rise to 231,000", "Initial claims for unemployment benefits rose to 231,000 last week, the Labor Department said Thursday.",
     "Jobless claims rise to 219,000", "Initial claims for unemployment benefits rose to 219,000 last week, the Labor Department said Thursday."),
    ("Gas prices average $3.41", "The average price of a gallon of regular gasoline in the state was $3.41 on Monday, AAA said.",
     "Gas prices average $3.62", "The average price of a gallon of regular gasoline in the state was $3.62 on Monday, AAA said."),
    ("Powerball jackpot climbs to $540 million", "The Powerball jackpot has climbed to $540 million after no ticket matched all six numbers in Saturday's drawing.",
     "Powerball jackpot climbs to $610 million", "The Powerball jackpot has climbed to $610 million after no ticket matched all six numbers in Wednesday's drawing."),
    ("Otters beat Hawks 5-2", "The Riverton Otters beat the Fairview Hawks 5-2 on Friday night behind two home runs from Marcus Lee.",
     "Otters beat Hawks 7-6", "The Riverton Otters beat the Fairview Hawks 7-6 on Friday night behind two home runs from Marcus Lee."),
    ("Magnitude 4.1 quake rattles Lake Forest", "A magnitude 4.1 earthquake rattled Lake Forest early Tuesday, the U.S. Geological Survey said. There were no reports of damage.",
     "Magnitude 3.6 quake rattles Lake Forest", "A magnitude 3.6 earthquake rattled Lake Forest early Tuesday, the U.S. Geological Survey said. There were no reports of damage."),
    ("Fed raises rates by quarter point", "The Federal Reserve raised its benchmark rate by a quarter point on Wednesday, to a range of 5.25 to 5.5 percent.",
     "Fed raises rates by half point", "The Federal Reserve raised its benchmark rate by a half point on Wednesday, to a range of 5.5 to 5.75 percent."),
    ("Storm warning for Cedar County", "The National Weather Service issued a severe thunderstorm warning for Cedar County until 9 p.m. Thursday.",
     "Storm warning for Lake County", "The National Weather Service issued a severe thunderstorm warning for Lake County until 9 p.m. Thursday."),
    ("Mayor Price to testify before lawmakers", "Mayor Jonathan Price will testify before the state Senate finance committee on Tuesday about the city's budget.",
     "Mayor Reyes to testify before lawmakers", "Mayor Angela Reyes will testify before the state Senate finance committee on Tuesday about the city's budget."),
    ("Riverton wins state title", "Riverton High won the state basketball championship Saturday, beating Fairview in overtime.",
     "Fairview wins state title", "Fairview High won the state basketball championship Saturday, beating Riverton in overtime."),
    ("Boil water notice for Millbrook", "Residents of Millbrook should boil tap water before drinking it until further notice after a main break, the water district said.",
     "Boil water notice for Ellsworth", "Residents of Ellsworth should boil tap water before drinking it until further notice after a main break, the water district said."),
    ("Amtrak suspends service to Denver", "", "Amtrak suspends service to Omaha", ""),
    ("Hurricane Delia upgraded to Category 3", "", "Hurricane Delia upgraded to Category 4", ""),
]

INDEPENDENT = [
    (("metro-ledger", "City Council approves $15 minimum wage by 2028",
      ["The City Council voted 9-4 on Tuesday to raise the minimum wage to $15 an hour by 2028, phasing in the increase over four years starting next January.",
       "Small businesses with fewer than 25 employees will get an extra year to comply. Tipped workers will also see their base wage rise.",
       "Supporters said the change would help about 90,000 workers keep up with rising rents."]),
     ("valley-tribune", "Business owners divided as city moves to $15 wage",
      ["At Rosa's Taqueria on Fifth Street, owner Rosa Mendez did the math on a napkin after Tuesday's council vote: four cooks, three cashiers, and a payroll that will grow by about $60,000 a year.",
       "\"I'm not against it. I just don't know yet where the money comes from,\" she said.",
       "Others welcomed the plan. The owner of a downtown bookstore said he already pays $16 and that a citywide floor would level the playing field."])),
    (("tech-current", "Satellite internet company launches 60 more satellites",
      ["A rocket carrying 60 broadband satellites lifted off Thursday night, bringing the company's constellation to more than 2,400 spacecraft in orbit.",
       "The company says it now serves about 1.5 million customers, many of them in rural areas without cable or fiber.",
       "Astronomers have complained that the satellites leave streaks across telescope images."]),
     ("metro-ledger", "Rural customers praise satellite service, but prices sting",
      ["For years, the Jensen family's farmhouse outside Ellsworth had internet so slow that their children did homework in the library parking lot.",
       "Since installing a satellite dish last spring, they can stream video and join video calls, said Karen Jensen. But the $120 monthly bill is more than twice what they paid before.",
       "Another batch of the company's satellites went up on Thursday night."])),
    (("sports-desk", "Moreno, 15, wins all five games as Riverton takes state chess crown",
      ["Fifteen-year-old Alicia Moreno did not lose a game all weekend, and her Riverton High teammates rode her perfect score to the state chess championship.",
       "Moreno's final win, a 60-move endgame against the top board from the defending champion, clinched the title with one round to spare.",
       "Riverton finished with 19 points, two ahead of the field."]),
     ("valley-tribune", "Donated boards, big dreams: inside Riverton's chess club",
      ["Three years ago, math teacher David Kim asked on social media if anyone had old chess sets. He got 30 boxes.",
       "On Saturday, the club those boards built won the state championship. Kim said the students practice every day at lunch and twice a week after school.",
       "The team now needs $8,000 to compete at nationals."])),
    (("health-wire", "Flu hospitalizations climb as season peaks early",
      ["Hospitalizations for flu rose 40 percent last week, state health officials said Monday, as the season peaked several weeks earlier than usual.",
       "Most patients admitted were over 65 or had underlying conditions. Officials urged anyone who has not been vaccinated to get a shot.",
       "Pediatric cases were also higher than at this point last year."]),
     ("metro-ledger", "ERs crowded as early flu wave hits",
      ["Emergency rooms across the metro area reported long waits over the weekend as an early wave of flu filled beds, with some patients waiting more than eight hours to be seen.",
       "\"We are seeing entire families come in at once,\" said Dr. Anita Shah, an emergency physician at County General.",
       "The state reported a 40 percent weekly jump in flu hospitalizations."])),
    (("farm-report", "Egg prices fall as bird flu outbreaks ease",
      ["Wholesale egg prices have fallen by more than half since January as outbreaks of bird flu among commercial flocks slowed, the Agriculture Department said Friday.",
       "A dozen large eggs now costs retailers about $2.10 wholesale, down from a record $4.80. Store prices usually follow within weeks.",
       "Producers are restocking flocks that were culled last winter."]),
     ("valley-tribune", "Bakers breathe easier as egg costs drop",
      ["Sandra Liu stopped putting egg wash on her croissants in February. Now, with eggs costing her half what they did, the shine is back.",
       "\"I was buying eggs like they were gold,\" said Liu, who owns Golden Crust Bakery on Main Street.",
       "Federal figures released Friday showed wholesale prices down more than 50 percent from their January peak."])),
    (("metro-ledger", "Water main break floods downtown streets",
      ["A 36-inch water main broke under Market Street early Wednesday, flooding several downtown blocks and forcing the closure of two subway entrances.",
       "Crews shut off the main after about three hours. About 40 buildings lost water service.",
       "The cause is under investigation; the pipe was installed in 1921."]),
     ("tech-current", "Flooded subway station knocks out downtown cell and data service",
      ["Businesses in the financial district lost internet and phone service for much of Wednesday after floodwater from a broken water main reached equipment rooms beneath Market Street.",
       "A telecom company spokesperson said backup batteries kept some sites running for a few hours before they failed.",
       "The century-old main burst before dawn."])),
]

DIGEST_FORMS = [
    "In case you missed it: {o} reports that \"{q}\" {c}",
    "{c}\n\n> {q}\n\n(from {o})",
    "Today's must-read, from {o}:\n\n\"{q}\"\n\n{c} Link in bio.",
]
DIGEST_COMMENTS = [
    "We'll be watching how this plays out in the budget hearings next month.",
    "This is exactly the kind of local story that never makes the national news.",
    "Interesting, though I wish the piece had talked to more of the people affected.",
    "Bookmark this one; the numbers will come up again.",
    "Regular readers will remember we flagged this possibility back in the spring.",
]

TEMPLATES = {
    "template-podcast": {
        "source": "fieldwork-podcast",
        "title": "Fieldwork #{n}: {t}",
        "tail": ["Today's episode is supported by Greenline Insurance. Whether you farm ten acres or ten thousand, Greenline's crop policies are built by people who have worked the land. Get a free quote at greenline.example/fieldwork.",
                 "Fieldwork is also brought to you by Harvest Hands, the job board for seasonal farm work. Employers post for free during the month of March.",
                 "Fieldwork is an independent production. Host: Nell Carver. Producer: Amos Reed. Our theme music is by The Dry Creek Band. Leave us a voicemail at 555-0199 and you might hear yourself on the show."],
        "items": [("Cover crops", "Soil scientist Ramon Ortiz explains why cover crops are finally catching on, and how a farmer in Iowa cut her fertilizer bill by a third."),
                  ("Selling direct", "Three growers talk about farmers markets, CSA boxes and online stores, and which one actually made them money."),
                  ("The water question", "A rancher and an irrigation engineer debate what the next drought will mean for the aquifer."),
                  ("Robots in the field", "We visit a strawberry farm testing a picking robot, and ask the workers what they think of it."),
                  ("Young farmers", "Why the average age of American farmers keeps rising, and what a land-link program in Vermont is doing about it."),
                  ("Beekeeping", "Commercial beekeeper Tasha Greene on renting hives to almond growers and the winter her bees disappeared."),
                  ("Grain bins", "A safety trainer explains why grain bins remain one of the deadliest places on a farm."),
                  ("Rural broadband", "Farmers tell us how fast internet changed the way they sell cattle and track weather.")],
    },
    "template-release": {
        "source": "larkspur-blog",
        "title": "Larkspur {t} is out",
        "head": ["Larkspur, the open-source content management system, has a new release."],
        "tail": ["Upgrading is recommended for all sites. Back up your database before upgrading, then run the migration command described in the upgrade guide.",
                 "Larkspur is developed by volunteers and supported by our sponsors. If your organization depends on Larkspur, please consider sponsoring the project.",
                 "Found a bug? Open an issue on the project tracker. Questions? Join the community forum."],
        "items": [("4.0", "This major release introduces a new block editor, drops support for PHP 7, and ships a redesigned admin dashboard."),
                  ("4.0.1", "A bug-fix release that repairs image uploads on servers with strict file permissions and fixes a broken link in the setup wizard."),
                  ("4.1", "Larkspur 4.1 adds scheduled publishing for pages, a dark mode for the admin area and an export tool for comments."),
                  ("4.1.2", "This release fixes a cross-site scripting vulnerability in the comment form. Sites with comments enabled should update immediately."),
                  ("4.2", "New in 4.2: multilingual sites, with translations managed side by side in the editor, and faster page caching."),
                  ("4.2.1", "Fixes for the language switcher on mobile and for slow searches on sites with more than 50,000 pages."),
                  ("4.3", "Version 4.3 brings a media library with folders and tags, and a new API for headless sites.")],
    },
    "template-classifieds": {
        "source": "tribune-marketplace",
        "title": "Marketplace: {t}",
        "tail": ["Tribune Marketplace listings run for 30 days online and in the Sunday paper. Place your listing at marketplace.example or call 555-0142, weekdays 8 a.m. to 4 p.m.",
                 "Listings are paid in advance and are not refundable. The Tribune does not verify listings; meet in a public place and never wire money to a stranger."],
        "items": [("2019 pickup truck", "2019 Ford F-150, 68,000 miles, one owner, towing package, new brakes. $26,500. Call Mike at 555-0161."),
                  ("Piano lessons", "Experienced teacher offering piano lessons for all ages in my Riverton home. $30 per half hour. Text Ellen, 555-0177."),
                  ("Firewood", "Seasoned oak firewood, $250 per cord delivered within 20 miles of Millbrook. Call 555-0108."),
                  ("Apartment for rent", "Two-bedroom apartment near campus, laundry on site, no pets, $1,150 a month plus utilities. Available August 1. 555-0134."),
                  ("Kittens", "Free kittens to good homes, three orange, one gray, litter trained, 10 weeks old. Lake Forest. 555-0190."),
                  ("Lawn care", "Reliable lawn mowing and leaf cleanup, free estimates, senior discount. Call Tony, 555-0152."),
                  ("Antique dresser", "Walnut dresser with mirror, about 1920, original hardware, some wear. $400 firm. Ellsworth. 555-0126.")],
    },
    "template-calendar": {
        "source": "weekend-planner",
        "title": "Weekend Planner: {t}",
        "head": ["Here's our pick of things to do around the valley this weekend."],
        "tail": ["Ongoing: The Riverton Farmers Market runs Saturdays 7 a.m. to noon in the Memorial Field parking lot.",
                 "Ongoing: Free admission at the Cedar County History Museum on the first Sunday of every month.",
                 "Ongoing: Trivia night every Thursday at the Otter Tap Room, 7 p.m.",
                 "Want your event listed? Send the details to planner@valleytribune.example by Tuesday at noon."],
        "items": [("May 3-5", "Friday: Jazz on the Green at City Park, 6 p.m., bring a blanket.\nSaturday: Spring plant sale at the community garden, 9 a.m.\nSunday: 5K fun run for the animal shelter, 8 a.m., registration $25."),
                  ("May 10-12", "Friday: Mother's Day craft night at the library, 5:30 p.m.\nSaturday: Classic car show downtown, 10 a.m. to 3 p.m.\nSunday: Mother's Day brunch cruise on the lake, 11 a.m., tickets required."),
                  ("May 17-19", "Friday: Outdoor movie, The Goonies, at Memorial Field, dusk.\nSaturday: Cedar Valley High spring musical, 7 p.m.\nSunday: Bird walk at the nature preserve, 7 a.m."),
                  ("May 24-26", "Friday: Memorial Day parade lineup and street fair, 5 p.m.\nSaturday: Pancake breakfast at Fire Station 2, 8 a.m.\nMonday: Memorial Day ceremony at Veterans Park, 10 a.m."),
                  ("May 31-June 2", "Friday: First Friday art walk downtown, 5 to 9 p.m.\nSaturday: Kids' fishing derby at Lake Forest pier, 8 a.m.\nSunday: Polka festival at the fairgrounds, noon."),
                  ("June 7-9", "Friday: Food truck rally on Main Street, 4 to 9 p.m.\nSaturday: Quilt show at the Grange Hall, 10 a.m.\nSunday: Free community yoga at City Park, 9 a.m."),
                  ("June 14-16", "Friday: Flag Day concert by the community band, 7 p.m.\nSaturday: Strawberry festival in Millbrook, all day.\nSunday: Father's Day car wash fundraiser at Riverton High, 10 a.m.")],
    },
}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(DIR, "pairs.jsonl")
    mk = Maker()
    rng = mk.rng
    stories = load_stories()

    def original(s):
        return art(s["outlet"], s["headline"], s["paras"])

    for fn, kind, n in [(mk.headline_swap, "retitle", 8), (mk.name_suffix, "outlet-name", 7),
                        (mk.cut, "teaser", 10), (mk.credited, "credit", 7),
                        (mk.footed, "footer", 8), (mk.captioned, "caption", 8),
                        (mk.british, "spelling", 8), (mk.updated, "update", 8),
                        (mk.combined, "several", 8)]:
        for s in rng.sample(stories, n):
            mk.pair(kind, "tie", original(s), fn(s))
    for text, t1, t2 in BRIEFS:
        src = rng.sample(sorted(OUTLETS), 2)
        mk.pair("brief", "tie", art(src[0], t1, [text]), art(src[1], t2, [text]))
    for t1, t2 in FLASHES:
        src = rng.sample(sorted(OUTLETS), 2)
        mk.pair("flash", "tie", art(src[0], t1, []), art(src[1], t2, []))

    for ta, xa, tb, xb in SHORT_NOT:
        kind = "short-numbers" if re.findall(r"\d", ta + tb) and \
            re.findall(r"[\d.]+", ta) != re.findall(r"[\d.]+", tb) or "point" in ta else \
            "short-names"
        src = rng.choice(sorted(OUTLETS))
        mk.pair(kind, "not", art(src, ta, [xa] if xa else []), art(src, tb, [xb] if xb else []))
    for (sa, ta, pa), (sb, tb, pb) in INDEPENDENT:
        mk.pair("independent", "not", art(sa, ta, pa), art(sb, tb, pb))
    for s in rng.sample(stories, 14):
        sents = [x for p in s["paras"] for x in split_sentences(p)]
        i = rng.randrange(max(1, len(sents) - 1))
        q = " ".join(sents[i:i + 2])
        body = rng.choice(DIGEST_FORMS).format(o=OUTLETS[s["outlet"]], q=q,
                                               c=rng.choice(DIGEST_COMMENTS))
        mk.pair("digest", "not", original(s),
                art("valley-roundup", rng.choice(["The Roundup", "Links we liked", s["headline"]]),
                    body.split("\n\n")))
    for k in range(12):  # one headline over other stories' text
        a, b = rng.sample(stories, 2)
        title = ["Evening Report", "The Daily Roundup", "Community Notes"][k % 3]
        src = rng.choice(sorted(OUTLETS))
        mk.pair("recurring-headline", "not", art(src, title, a["paras"][:2]),
                art(src, title, b["paras"][:2]))
    for kind, t in TEMPLATES.items():
        for k in range(8):
            picks = rng.sample(t["items"], 4)
            made = []
            for j, (tt, body) in enumerate(picks):
                title = t["title"].format(n=100 + k * 4 + j, t=tt)
                made.append(art(t["source"], title, t.get("head", []) + body.split("\n\n") +
                                t["tail"]))
            mk.pair(kind, "not", made[2], made[3], made[:2])
    # one newsroom's long footer on every item, seen before on its earlier items
    for k in range(8):
        picks = rng.sample(stories, 4)
        src = "statewide-feed"
        made = [mk.footed(s, src, 0) for s in picks]
        made = [dict(m, text=m["text"] + "\n\nStatewide Feed is supported by readers like you. "
                     "Become a member today and get early access to our investigations, "
                     "members-only events and an ad-free website.") for m in made]
        mk.pair("shared-footer", "not", made[2], made[3], made[:2])

    with open(out_path, "w", encoding="utf-8") as f:
        for p in mk.out:
            f.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    ties = sum(p["label"] == "tie" for p in mk.out)
    print("%d pairs: %d tie, %d not" % (len(mk.out), ties, len(mk.out) - ties), file=sys.stderr)


if __name__ == "__main__":
    main()
