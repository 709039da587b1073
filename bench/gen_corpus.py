#!/usr/bin/env python3
"""gen_corpus.py: a deterministic corpus of news-like feeds for bench/parse.sh.

Usage: gen_corpus.py OUTDIR [--feeds N] [--seed S]

Feed i depends only on (seed, i): a corpus of 200 feeds is the first 200
files of a corpus of 2000 with the same seed, so a quick run measures a
prefix of the full one.

What is in it, drawn per feed:
- formats: RSS 2.0 ~60% (content:encoded beside a short description in most,
  the whole story in <description> in the rest), Atom 1.0 ~30% (content of
  type html escaped, html in CDATA, or inline xhtml), RSS 1.0/RDF ~10%;
- 20 to 60 items of 2 to 9 paragraphs of HTML: links (some with utm_*
  parameters, some relative), emphasis, figures with srcset, lists, block
  quotes, the odd table, headings, embedded players, scripts, styles,
  tracking pixels, class and style attributes, HTML named entities
  (&nbsp; &mdash; &rsquo; ...) and numeric references, text in several scripts;
- dates as real feeds write them (RFC 822 with GMT, +0000, -0500 or EST;
  RFC 3339 with Z or an offset, with or without fractions);
- ~5% of items are wire stories carried by several feeds (same link and
  text, sometimes with tracking parameters or another guid);
- ~3% of feeds in windows-1252 or ISO-8859-1, declared in the XML declaration;
  ~2% in UTF-8 with their accents decomposed (NFD, as some editors save it).

Writes OUTDIR/feed-NNNNN.{rss,atom,rdf}; prints a summary line.
"""
import argparse
import datetime as dt
import os
import random
import sys
import unicodedata
from xml.sax.saxutils import escape, quoteattr

VOCAB = """
announce approve arrive ballot bank border budget cabinet campaign capital
cargo ceasefire census charity climate coalition coast committee company
contract council court crisis crop currency customs data debate deficit
delay deliver demand deploy deputy diplomat district drought economy
election electricity embassy emission energy estimate evacuate export
factory farmer festival finance flight flood forecast forest fuel funding
garden governor grain growth harbour harvest health highway hospital
housing import income industry inflation inquiry insurance interest
investor island judge jury labour landmark lawmaker league library
licence loan market mayor measure merger migration minister mission
motorway museum network nurse ocean officer opposition orchestra parliament
patient pension pilot pipeline planner police policy port poverty premier
president price prison program protest province railway rainfall ranking
reactor recovery referendum reform refugee regulator rent report research
reserve reservoir resident retail revenue river road ruling safety salary
satellite school science season senate settlement shipping shortage
spokesperson stadium startup statement station storm strike student
subsidy summit supplier surgeon survey tariff teacher telescope tenant
terminal tourism trade traffic transit treaty tribunal trial tunnel union
university vaccine valley vessel victim village volunteer voter wage
warehouse weather wildfire worker
the the the the a a a an of of of of to to to in in in and and and on
for for with with by at from as that this was were is are has have had
will would could said says after before over under about between against
during without within new first last next local national regional early
late major minor public private senior former several many most
""".split()
NAMES = ["Ingrid Solberg", "Tomás Ó Briain", "Amara Okafor", "Mei-Ling Wu", "Rafael Gómez",
         "Élodie Marchand", "Jürgen Weiß", "Aylin Yıldız", "Dmitri Volkov", "Hana Novotná",
         "Kofi Boateng", "Saanvi Iyer", "Lucía Fernández", "Oskar Nyström", "Trần Thị Mai"]
PLACES = ["Lisbon", "Gdańsk", "Łódź", "Göteborg", "Zaragoza", "Ljubljana", "Tallinn", "Accra",
          "Hà Nội", "Kraków", "Córdoba", "Düsseldorf", "Aarhus", "Rīga", "Nicosia", "Ōsaka"]
FOREIGN = ["naïve", "déjà vu", "Glück", "año", "çà", "ñandú", "smørrebrød", "€1.2bn", "£40m",
           "¥300", "30°C", "±2%", "“a quote”", "‘aside’", "→", "北京", "Київ", "القدس", "ελληνικά",
           "한국어", "हिन्दी", "🙂"]
ENTITIES = ["&nbsp;", "&mdash;", "&ndash;", "&rsquo;", "&lsquo;", "&ldquo;", "&rdquo;", "&hellip;",
            "&eacute;", "&uuml;", "&copy;", "&amp;", "&#8217;", "&#x2014;", "&#169;", "&quot;"]
SECTIONS = ["news", "world", "business", "tech", "science", "sport", "arts", "opinion", "local"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WIRE_STORIES = 3000


class Writer:
    """Text and HTML of one feed, all drawn from one random.Random."""

    def __init__(self, rng, host):
        self.r = rng
        self.host = host

    def words(self, lo, hi):
        r = self.r
        out = []
        for _ in range(r.randint(lo, hi)):
            x = r.random()
            if x < 0.03:
                out.append(r.choice(PLACES))
            elif x < 0.05:
                out.append(r.choice(FOREIGN))
            elif x < 0.06:
                out.append(str(r.randint(1, 9999)))
            else:
                out.append(r.choice(VOCAB))
        return out

    def sentence(self, lo=7, hi=22):
        w = self.words(lo, hi)
        w[0] = w[0][:1].upper() + w[0][1:]
        return " ".join(w) + self.r.choice(".....?!")

    def title(self):
        w = self.words(4, 11)
        return " ".join(x.capitalize() if self.r.random() < 0.4 else x for x in w)

    def link(self, host=None):
        r = self.r
        slug = "-".join(w for w in self.words(3, 6) if w.isascii() and w.isalnum()) or "story"
        return "https://%s/%s/%d/%02d/%02d/%s" % (host or self.host, r.choice(SECTIONS),
                                                  r.randint(2020, 2025), r.randint(1, 12),
                                                  r.randint(1, 28), slug.lower())

    def esc_text(self, text):
        """HTML-escaped text with the entities CMSs like to write."""
        r = self.r
        s = escape(text)
        if r.random() < 0.4:  # WordPress writes numeric references, some CMSs named ones
            s = s.replace("'", r.choice(["&#8217;", "&#8217;", "&#8217;", "&rsquo;", "&#x2019;"]))
        if r.random() < 0.15:
            words = s.split(" ")
            i = r.randrange(len(words))
            words[i] += r.choice(ENTITIES)
            s = " ".join(words)
        return s

    def paragraph(self):
        r = self.r
        words = " ".join(self.esc_text(self.sentence()) for _ in range(r.randint(1, 4))).split(" ")
        n = len(words)
        if n > 6 and r.random() < 0.5:
            i = r.randrange(n - 3)
            j = i + r.randint(0, 2)
            x = r.random()
            if x < 0.15:
                href = "/%s/%d" % (r.choice(SECTIONS), r.randint(1, 10 ** 6))  # relative
            elif x < 0.45:
                href = self.link() + "?utm_source=feed&amp;utm_medium=rss&amp;ref=%d" % r.randint(1, 99)
            else:
                href = self.link(r.choice([self.host, "example.org", "en.wikipedia.org"]))
            extra = r.choice(["", "", ' target="_blank"', ' rel="nofollow"', ' class="ext" onclick="track()"'])
            words[i] = '<a href="%s"%s>%s' % (href, extra, words[i])
            words[j] += "</a>"
        elif n > 6 and r.random() < 0.3:
            i = r.randrange(n - 2)
            tag = r.choice(["em", "strong", "b", "i", "span"])
            words[i] = "<%s>%s" % (tag, words[i])
            words[i + 1] += "</%s>" % tag
        attrs = r.choice(["", "", "", ' class="body-text"', ' style="margin:0"', ' dir="ltr"'])
        return "<p%s>%s</p>" % (attrs, " ".join(words))

    def image(self):
        r = self.r
        src = "https://img.%s/%d/%x.jpg" % (self.host, r.randint(2020, 2025), r.getrandbits(56))
        alt = self.esc_text(self.sentence(3, 9)).replace('"', "&quot;")
        w = r.choice([640, 800, 1024, 1280])
        attrs = ' width="%d" height="%d"' % (w, w * 9 // 16)
        if r.random() < 0.35:
            attrs += ' srcset="%s?w=480 480w, %s?w=960 960w" sizes="100vw"' % (src, src)
        if r.random() < 0.2:
            return '<img data-src="%s" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="%s"%s>' % (
                src, alt, attrs)
        return '<img src="%s" alt="%s"%s />' % (src, alt, attrs)

    def body(self, paragraphs):
        r = self.r
        parts = []
        if r.random() < 0.55:
            if r.random() < 0.6:
                parts.append("<figure>%s<figcaption>%s</figcaption></figure>" % (
                    self.image(), self.esc_text(self.sentence(5, 12))))
            else:
                parts.append("<p>%s</p>" % self.image())
        for _ in range(paragraphs):
            parts.append(self.paragraph())
            x = r.random()
            if x < 0.05:
                parts.append("<h3>%s</h3>" % self.esc_text(self.title()))
            elif x < 0.09:
                parts.append("<blockquote><p>%s</p></blockquote>" % self.esc_text(self.sentence(10, 30)))
            elif x < 0.12:
                parts.append("<ul>%s</ul>" % "".join(
                    "<li>%s</li>" % self.esc_text(self.sentence(4, 10)) for _ in range(r.randint(2, 6))))
            elif x < 0.13:
                rows = "".join("<tr><td>%s</td><td>%d</td></tr>" % (escape(r.choice(PLACES)), r.randint(1, 999))
                               for _ in range(r.randint(2, 5)))
                parts.append('<table border="1"><tbody>%s</tbody></table>' % rows)
            elif x < 0.14:
                parts.append('<iframe src="https://www.youtube.com/embed/%x" width="560" height="315" '
                             'allowfullscreen></iframe>' % r.getrandbits(44))
            elif x < 0.15:
                parts.append('<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"id":%d});</script>'
                             % r.randint(1, 10 ** 6))
            elif x < 0.155:
                parts.append("<style>.body-text{font-size:1.1em}</style>")
        if r.random() < 0.25:
            parts.append('<p>Read more at <a href="https://%s/">%s</a>.</p>' % (self.host, escape(self.host)))
        if r.random() < 0.2:
            parts.append('<img src="https://pixel.wp.com/g.gif?blog=%d&amp;post=%d" width="1" height="1" alt="" />'
                         % (r.randint(1, 10 ** 6), r.randint(1, 10 ** 6)))
        return "\n".join(parts)


def wire_story(seed, k):
    w = Writer(random.Random("%d/wire/%d" % (seed, k)), "wire.example-agency.net")
    return {"title": w.title(), "link": w.link(), "summary": w.sentence(12, 30),
            "body": w.body(w.r.randint(3, 7)), "author": w.r.choice(NAMES)}


def rfc822(r, t):
    zone = r.choice(["GMT", "+0000", "+0000", "-0500", "EST", "+0100"])
    shift = {"-0500": -5, "EST": -5, "+0100": 1}.get(zone, 0)
    t = t + dt.timedelta(hours=shift)
    return "%s, %02d %s %d %02d:%02d:%02d %s" % (DAYS[t.weekday()], t.day, MONTHS[t.month - 1], t.year,
                                                 t.hour, t.minute, t.second, zone)


def rfc3339(r, t):
    if r.random() < 0.7:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (t + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S") + \
        (".%03d" % r.randint(0, 999) if r.random() < 0.5 else "") + "+02:00"


def items_for(seed, w, n):
    r = w.r
    t = dt.datetime(2025, 6, 1) + dt.timedelta(seconds=r.randint(0, 150 * 86400))
    out = []
    for _ in range(n):
        t -= dt.timedelta(seconds=r.randint(600, 6 * 3600))
        if r.random() < 0.05:
            st = dict(wire_story(seed, r.randrange(WIRE_STORIES)))
            if r.random() < 0.4:
                st["link"] += "?utm_source=%s&utm_campaign=wire" % w.host.split(".")[0]
            st["guid"] = st["link"] if r.random() < 0.5 else "%s:%d" % (w.host, r.getrandbits(32))
        else:
            link = w.link()
            st = {"title": w.title(), "link": link,
                  "guid": link if r.random() < 0.5 else "%s-%d" % (w.host, r.getrandbits(40)),
                  "summary": " ".join(w.sentence() for _ in range(r.randint(1, 2))),
                  "body": w.body(r.choice([2, 3, 3, 4, 4, 5, 6, 7, 9])), "author": r.choice(NAMES)}
        st["date"] = t
        st["cats"] = r.sample(SECTIONS, r.randint(1, 3))
        out.append(st)
    return out


def cdata(s):
    return "<![CDATA[%s]]>" % s.replace("]]>", "]]]]><![CDATA[>")


def rss(w, items):
    r = w.r
    in_cdata = r.random() < 0.7
    full_description = r.random() < 0.25  # the whole story in <description>, no content:encoded
    html = (lambda s: cdata(s)) if in_cdata else escape
    o = ['<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
         'xmlns:media="http://search.yahoo.com/mrss/">', "<channel>",
         "<title>%s</title>" % escape(w.title()), "<link>https://%s/</link>" % w.host,
         '<atom:link href="https://%s/feed" rel="self" type="application/rss+xml"/>' % w.host,
         "<description>%s</description>" % escape(w.sentence()),
         "<language>%s</language>" % r.choice(["en", "en-US", "en-GB", "fr", "de", "es"]),
         "<ttl>%d</ttl>" % r.choice([15, 30, 60])]
    for it in items:
        o.append("<item>")
        o.append("<title>%s</title>" % (cdata(it["title"]) if in_cdata and r.random() < 0.5 else escape(it["title"])))
        o.append("<link>%s</link>" % escape(it["link"]))
        o.append('<guid isPermaLink="%s">%s</guid>' % ("true" if it["guid"] == it["link"] else "false",
                                                        escape(it["guid"])))
        o.append("<pubDate>%s</pubDate>" % rfc822(r, it["date"]))
        o.append("<dc:creator>%s</dc:creator>" % escape(it["author"]))
        for c in it["cats"]:
            o.append("<category>%s</category>" % c)
        if full_description:
            o.append("<description>%s</description>" % html(it["body"]))
        else:
            o.append("<description>%s</description>" % html("<p>%s</p>" % w.esc_text(it["summary"])))
            o.append("<content:encoded>%s</content:encoded>" % html(it["body"]))
        if r.random() < 0.25:
            o.append('<media:thumbnail url="https://img.%s/t/%x.jpg" width="150" height="84"/>'
                     % (w.host, r.getrandbits(40)))
        if r.random() < 0.04:
            o.append('<enclosure url="https://media.%s/%x.mp3" length="%d" type="audio/mpeg"/>'
                     % (w.host, r.getrandbits(40), r.randint(10 ** 6, 10 ** 8)))
        o.append("</item>")
    o.append("</channel>\n</rss>\n")
    return "\n".join(o)


def atom(w, items):
    r = w.r
    style = r.choice(["escaped", "escaped", "cdata", "xhtml"])
    o = ['<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="%s">' % r.choice(["en", "en-GB", "de"]),
         "<title>%s</title>" % escape(w.title()), "<id>urn:x-feed:%s</id>" % w.host,
         '<link rel="alternate" href="https://%s/"/>' % w.host,
         '<link rel="self" href="https://%s/atom.xml"/>' % w.host,
         "<updated>%s</updated>" % rfc3339(r, items[0]["date"]),
         "<author><name>%s</name></author>" % escape(r.choice(NAMES))]
    for it in items:
        o.append("<entry>")
        o.append("<title type=\"html\">%s</title>" % escape(w.esc_text(it["title"])))
        o.append('<link rel="alternate" type="text/html" href=%s/>' % quoteattr(it["link"]))
        o.append("<id>%s</id>" % escape(it["guid"] if r.random() < 0.5 else "tag:%s,2025:%d" % (
            w.host, r.getrandbits(32))))
        o.append("<published>%s</published>" % rfc3339(r, it["date"]))
        o.append("<updated>%s</updated>" % rfc3339(r, it["date"] + dt.timedelta(minutes=r.randint(0, 300))))
        o.append("<author><name>%s</name></author>" % escape(it["author"]))
        for c in it["cats"]:
            o.append('<category term="%s"/>' % c)
        o.append('<summary type="text">%s</summary>' % escape(it["summary"]))
        if style == "xhtml":
            body = it["body"]
            for ent, num in (("&nbsp;", "&#160;"), ("&mdash;", "&#8212;"), ("&ndash;", "&#8211;"),
                             ("&rsquo;", "&#8217;"), ("&lsquo;", "&#8216;"), ("&ldquo;", "&#8220;"),
                             ("&rdquo;", "&#8221;"), ("&hellip;", "&#8230;"), ("&eacute;", "&#233;"),
                             ("&uuml;", "&#252;"), ("&copy;", "&#169;")):
                body = body.replace(ent, num)
            body = body.replace(" allowfullscreen>", ' allowfullscreen="">')
            # an <img ...> without its slash is not XML: close every img
            out, i = [], 0
            while True:
                j = body.find("<img ", i)
                if j < 0:
                    out.append(body[i:])
                    break
                k = body.find(">", j)
                tag = body[j:k]
                out.append(body[i:j] + (tag if tag.endswith("/") else tag + "/") + ">")
                i = k + 1
            o.append('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">%s</div></content>'
                     % "".join(out))
        elif style == "cdata":
            o.append('<content type="html">%s</content>' % cdata(it["body"]))
        else:
            o.append('<content type="html">%s</content>' % escape(it["body"]))
        o.append("</entry>")
    o.append("</feed>\n")
    return "\n".join(o)


def rdf(w, items):
    r = w.r
    o = ['<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
         '<channel rdf:about="https://%s/index.rdf">' % w.host,
         "<title>%s</title>" % escape(w.title()), "<link>https://%s/</link>" % w.host,
         "<description>%s</description>" % escape(w.sentence()), "<dc:language>en</dc:language>",
         "<items><rdf:Seq>"]
    o += ['<rdf:li rdf:resource=%s/>' % quoteattr(it["link"]) for it in items]
    o.append("</rdf:Seq></items></channel>")
    for it in items:
        o.append("<item rdf:about=%s>" % quoteattr(it["link"]))
        o.append("<title>%s</title>" % escape(it["title"]))
        o.append("<link>%s</link>" % escape(it["link"]))
        o.append("<dc:date>%s</dc:date>" % rfc3339(r, it["date"]))
        o.append("<dc:creator>%s</dc:creator>" % escape(it["author"]))
        o.append("<dc:subject>%s</dc:subject>" % it["cats"][0])
        o.append("<description>%s</description>" % escape(w.esc_text(it["summary"])))
        o.append("<content:encoded>%s</content:encoded>" % cdata(it["body"]))
        o.append("</item>")
    o.append("</rdf:RDF>\n")
    return "\n".join(o)


def feed(seed, i):
    r = random.Random("%d/feed/%d" % (seed, i))
    host = "%s%d.example-%s.net" % (r.choice(["daily", "post", "courier", "gazette", "wire", "blog"]), i,
                                     r.choice(["news", "media", "press"]))
    w = Writer(r, host)
    x = r.random()
    kind = "rss" if x < 0.6 else "atom" if x < 0.9 else "rdf"
    items = items_for(seed, w, r.randint(20, 60))
    text = {"rss": rss, "atom": atom, "rdf": rdf}[kind](w, items)
    encoding = "UTF-8"
    if r.random() < 0.03:
        encoding = r.choice(["windows-1252", "ISO-8859-1"])
    text = '<?xml version="1.0" encoding="%s"?>\n%s' % (encoding, text)
    if encoding == "UTF-8":
        if r.random() < 0.02:
            text = unicodedata.normalize("NFD", text)
        data = text.encode("utf-8")
    else:
        data = text.encode("cp1252" if encoding == "windows-1252" else "latin-1", errors="xmlcharrefreplace")
    return kind, len(items), data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2025)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    total = items = 0
    kinds = {}
    for i in range(1, a.feeds + 1):
        kind, n, data = feed(a.seed, i)
        with open(os.path.join(a.outdir, "feed-%05d.%s" % (i, kind)), "wb") as f:
            f.write(data)
        total += len(data)
        items += n
        kinds[kind] = kinds.get(kind, 0) + 1
    print("%s: %d feeds (%s), %d items, %.1f MB" % (
        a.outdir, a.feeds, ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())), items, total / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
