#!/usr/bin/env python3
"""catalogue_costs.py -- measure what the catalogue's library entries cost a forked child.

The method is the one of shared/tools/forkpat_harness.py: for every pattern a fresh
interpreter (the "parent") runs the pattern's set-up (what an app does at import: import the
library), in "warm" mode also the warm-up (the call done once, or the object built at module
level), then forks N children one after the other. Each child times the pattern's job once
with time.perf_counter and reports through a pipe. Cold and warm parents alternate in rounds
so machine noise hits both alike; the medians of the child-measured job time are reported.

    cold job: what the job does when nothing was done before the fork (load, build, first call)
    warm job: what is left when the parent did it (use the module-level object, or repeat the
              call after the parent's warm-up)

Data (models, grammars, files) is made locally in --work by `prepare`: no hub downloads.
Models are built with random weights at a stated size; load times scale with that size.

Run with an interpreter that has the libraries (not forklint's venv):
    python3 -m venv /work/measure-venv
    /work/measure-venv/bin/pip install joblib scikit-learn lark pint flashtext pyyaml toml babel \
        phonenumbers tldextract dateparser pytz markdown bleach nh3 lxml lightgbm xgboost-cpu \
        gensim onnx onnxruntime transformers tokenizers spacy tiktoken torch keras
    /work/measure-venv/bin/python benchmarks/catalogue_costs.py bench --out benchmarks/catalogue_costs.md
Options: --forks 16 --rounds 4 --only a,b --work DIR.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD_TIMEOUT_S = 15
DEFAULT_WORK = os.environ.get("CATALOGUE_COSTS_WORK", "/tmp/catalogue_costs_work")

# name: (distributions whose versions are recorded, set-up, warm-up, cold job, warm job, what)
# `W` in the code is the work folder. A None warm job means the warm job is the cold job
# (first-use work: the parent's warm-up fills a cache the call then hits).
PATTERNS: dict[str, tuple[tuple[str, ...], str, str, str, str | None, str]] = {
    # -- ML and data ------------------------------------------------------------------------
    "transformers-tokenizer": (
        ("transformers", "tokenizers"),
        "from transformers import AutoTokenizer",
        "TOK = AutoTokenizer.from_pretrained(W + '/tokenizer')",
        "AutoTokenizer.from_pretrained(W + '/tokenizer')('fork once, share the pages')",
        "TOK('fork once, share the pages')",
        "AutoTokenizer.from_pretrained of a BERT WordPiece tokenizer (30,522-token vocab, tokenizer.json)",
    ),
    "transformers-config": (
        ("transformers",),
        "from transformers import AutoConfig",
        "CFG = AutoConfig.from_pretrained(W + '/bert6')",
        "AutoConfig.from_pretrained(W + '/bert6').hidden_size",
        "CFG.hidden_size",
        "AutoConfig.from_pretrained of a BERT config.json",
    ),
    "transformers-model": (
        ("transformers", "torch", "safetensors"),
        "import torch; torch.set_num_threads(1)\nfrom transformers import AutoModel",
        "MODEL = AutoModel.from_pretrained(W + '/bert6')",
        "AutoModel.from_pretrained(W + '/bert6').config.hidden_size",
        "MODEL.config.hidden_size",
        "AutoModel.from_pretrained of a 6-layer BERT (67M parameters, 268 MB safetensors, random weights)",
    ),
    "transformers-pipeline": (
        ("transformers", "torch"),
        "import torch; torch.set_num_threads(1)\nfrom transformers import pipeline",
        "PIPE = pipeline('feature-extraction', model=W + '/bert6', tokenizer=W + '/tokenizer')",
        "pipeline('feature-extraction', model=W + '/bert6', tokenizer=W + '/tokenizer').model.config.hidden_size",
        "PIPE.model.config.hidden_size",
        "pipeline('feature-extraction') of the same 6-layer BERT and tokenizer",
    ),
    "torch-load": (
        ("torch",),
        "import torch; torch.set_num_threads(1)",
        "SD = torch.load(W + '/bert6.pt')",
        "len(torch.load(W + '/bert6.pt'))",
        "len(SD)",
        "torch.load of the 6-layer BERT's state dict (268 MB)",
    ),
    "joblib-load": (
        ("joblib", "scikit-learn"),
        "import joblib, numpy, sklearn.ensemble",
        "M = joblib.load(W + '/forest.joblib')",
        "joblib.load(W + '/forest.joblib').n_estimators",
        "M.n_estimators",
        "joblib.load of a scikit-learn RandomForestClassifier (100 trees, 5,000 x 20 training set)",
    ),
    "pickle-load": (
        (),
        "import pickle",
        "T = pickle.load(open(W + '/table.pkl', 'rb'))",
        "len(pickle.load(open(W + '/table.pkl', 'rb')))",
        "len(T)",
        "pickle.load of a 200,000-entry dict of str -> list lookup table (11 MB)",
    ),
    "spacy-load": (
        ("spacy",),
        "import spacy",
        "NLP = spacy.load(W + '/spacy_en')",
        "len(spacy.load(W + '/spacy_en').pipe_names)",
        "len(NLP.pipe_names)",
        "spacy.load of an English pipeline with en_core_web_sm's components (tok2vec, tagger, parser, ner; random weights)",
    ),
    "keras-load-model": (
        ("keras", "torch"),
        "import os; os.environ['KERAS_BACKEND'] = 'torch'\nimport torch; torch.set_num_threads(1)\nimport keras",
        "KM = keras.models.load_model(W + '/model.keras')",
        "len(keras.models.load_model(W + '/model.keras').layers)",
        "len(KM.layers)",
        "keras.models.load_model of a 5-layer Dense model (2.4M parameters), Keras 3 on the torch backend",
    ),
    "gensim-keyedvectors-load": (
        ("gensim",),
        "from gensim.models import KeyedVectors",
        "KV = KeyedVectors.load(W + '/vectors.kv')",
        "len(KeyedVectors.load(W + '/vectors.kv'))",
        "len(KV)",
        "gensim KeyedVectors.load of 50,000 words x 100 dimensions",
    ),
    "xgboost-load-model": (
        ("xgboost-cpu",),
        "import xgboost, numpy\nROW = numpy.zeros((1, 20))",
        "BST = xgboost.Booster(); BST.load_model(W + '/xgb.json')",
        "b = xgboost.Booster(); b.load_model(W + '/xgb.json'); b.inplace_predict(ROW)[0]",
        "BST.inplace_predict(ROW)[0]",
        "xgboost Booster.load_model of a 200-round, depth-6 model (JSON)",
    ),
    "lightgbm-booster": (
        ("lightgbm",),
        "import lightgbm, numpy\nROW = numpy.zeros((1, 20))",
        "LB = lightgbm.Booster(model_file=W + '/lgb.txt')",
        "lightgbm.Booster(model_file=W + '/lgb.txt').predict(ROW)[0]",
        "LB.predict(ROW)[0]",
        "lightgbm.Booster(model_file=...) of a 200-round, 31-leaf model",
    ),
    "tiktoken-encoding": (
        ("tiktoken",),
        "import tiktoken, tiktoken.load",
        "ENC = tiktoken.Encoding('synthetic', pat_str=PAT, mergeable_ranks=tiktoken.load.load_tiktoken_bpe(W + '/ranks.tiktoken'), special_tokens={})",
        "tiktoken.Encoding('synthetic', pat_str=PAT, mergeable_ranks=tiktoken.load.load_tiktoken_bpe(W + '/ranks.tiktoken'), special_tokens={}).encode('fork once')",
        "ENC.encode('fork once')",
        "what tiktoken.get_encoding does after its cache read: load a 100,256-rank BPE file and build the encoder",
    ),
    "onnxruntime-session": (
        ("onnxruntime",),
        "import onnxruntime",
        "SESS = onnxruntime.InferenceSession(W + '/mlp.onnx', providers=['CPUExecutionProvider'])",
        "onnxruntime.InferenceSession(W + '/mlp.onnx', providers=['CPUExecutionProvider']).get_inputs()[0].name",
        "SESS.get_inputs()[0].name",
        "onnxruntime.InferenceSession of a 4-layer 1024-wide MLP (12 MB); warm shares a session across fork, which is unsafe",
    ),
    # -- parsers and data -------------------------------------------------------------------
    "lark-json-lalr": (
        ("lark",),
        "from lark import Lark",
        "P = Lark(JSON_GRAMMAR, start='value', parser='lalr')",
        "Lark(JSON_GRAMMAR, start='value', parser='lalr').parse('[1, 2, {\"a\": true}]')",
        "P.parse('[1, 2, {\"a\": true}]')",
        "lark.Lark(...) of the JSON grammar from lark's tutorial, LALR",
    ),
    "lark-python-lalr": (
        ("lark",),
        "from lark import Lark",
        "P = Lark.open_from_package('lark', 'python.lark', ['grammars'], parser='lalr', start='file_input')",
        "Lark.open_from_package('lark', 'python.lark', ['grammars'], parser='lalr', start='file_input')",
        "P",
        "lark Lark.open_from_package of lark's bundled Python grammar, LALR",
    ),
    "pint-unit-registry": (
        ("pint",),
        "import pint",
        "U = pint.UnitRegistry()",
        "pint.UnitRegistry()('3 m/s').to('km/h').magnitude",
        "U('3 m/s').to('km/h').magnitude",
        "pint.UnitRegistry() with the default definitions, and one conversion",
    ),
    "flashtext-keywords": (
        ("flashtext",),
        "from flashtext import KeywordProcessor",
        "KP = KeywordProcessor(); KP.add_keyword_from_file(W + '/keywords.txt')",
        "kp = KeywordProcessor(); kp.add_keyword_from_file(W + '/keywords.txt'); kp.extract_keywords('alpha beta gamma')",
        "KP.extract_keywords('alpha beta gamma')",
        "flashtext KeywordProcessor.add_keyword_from_file of 20,000 keywords",
    ),
    "yaml-config": (
        ("PyYAML",),
        "import yaml",
        "C = yaml.safe_load(open(W + '/config.yaml'))",
        "len(yaml.safe_load(open(W + '/config.yaml')))",
        "len(C)",
        "yaml.safe_load of a 2,400-line config file (pure-Python loader)",
    ),
    "json-config": (
        (),
        "import json",
        "C = json.load(open(W + '/config.json'))",
        "len(json.load(open(W + '/config.json')))",
        "len(C)",
        "json.load of a 1 MB reference-data file",
    ),
    "toml-config": (
        ("toml",),
        "import toml",
        "C = toml.load(W + '/config.toml')",
        "len(toml.load(W + '/config.toml'))",
        "len(C)",
        "toml.load of a 600-line config file",
    ),
    "tomllib-config": (
        (),
        "import tomllib",
        "C = tomllib.load(open(W + '/config.toml', 'rb'))",
        "len(tomllib.load(open(W + '/config.toml', 'rb')))",
        "len(C)",
        "tomllib.load of the same 600-line config file",
    ),
    "babel-locale-data": (
        ("babel",),
        "import babel.numbers, babel.dates, datetime",
        "babel.numbers.format_currency(1, 'EUR', locale='de_DE'); babel.dates.format_date(datetime.date(2020, 1, 1), locale='de_DE')",
        "babel.numbers.format_currency(1234.5, 'EUR', locale='de_DE'); babel.dates.format_date(datetime.date(2026, 12, 4), locale='de_DE')",
        None,
        "first babel.numbers.format_currency + babel.dates.format_date for de_DE (loads root and de locale data)",
    ),
    "phonenumbers-parse": (
        ("phonenumbers",),
        "import phonenumbers",
        "phonenumbers.PhoneMetadata.load_all()",
        "phonenumbers.format_number(phonenumbers.parse('+49 30 901820', None), phonenumbers.PhoneNumberFormat.E164); phonenumbers.parse('020 7946 0958', 'GB')",
        None,
        "first phonenumbers.parse/format_number for two regions; warm: PhoneMetadata.load_all() in the parent",
    ),
    "tldextract-extract": (
        ("tldextract",),
        "import tldextract\nX = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=False)",
        "X('https://forums.news.cnn.com')",
        "X('https://www.example.co.uk/path')",
        None,
        "first tldextract extraction (builds the public-suffix trie from the bundled snapshot)",
    ),
    "dateparser-parse": (
        ("dateparser",),
        "import dateparser",
        "dateparser.parse('12 March 2021 10:00')",
        "dateparser.parse('3 days ago'); dateparser.parse('12. März 2021', languages=['de'])",
        None,
        "first dateparser.parse calls (English relative date, German date): loads language data and builds regexes",
    ),
    "pytz-timezone": (
        ("pytz",),
        "import pytz, datetime",
        "TZ = [pytz.timezone(z) for z in ('Europe/Berlin', 'America/New_York', 'Asia/Tokyo')]",
        "[pytz.timezone(z).localize(datetime.datetime(2026, 1, 1)) for z in ('Europe/Berlin', 'America/New_York', 'Asia/Tokyo')]",
        "[z.localize(datetime.datetime(2026, 1, 1)) for z in TZ]",
        "pytz.timezone for 3 zones (reads and parses the tz files)",
    ),
    "markdown-extensions": (
        ("Markdown",),
        "import markdown",
        "MD = markdown.Markdown(extensions=['extra', 'toc', 'sane_lists', 'smarty'])",
        "markdown.markdown('# Title\\n\\nSome *text* with a [link](http://x).', extensions=['extra', 'toc', 'sane_lists', 'smarty'])",
        "MD.reset().convert('# Title\\n\\nSome *text* with a [link](http://x).')",
        "markdown.markdown(text, extensions=[extra, toc, sane_lists, smarty]) against a module-level Markdown instance",
    ),
    "bleach-clean": (
        ("bleach",),
        "import bleach",
        "CL = bleach.sanitizer.Cleaner(tags={'a', 'b', 'i', 'p'})",
        "bleach.clean('<p>hi <script>x</script><a href=\"http://x\">l</a></p>', tags={'a', 'b', 'i', 'p'})",
        "CL.clean('<p>hi <script>x</script><a href=\"http://x\">l</a></p>')",
        "bleach.clean (builds a Cleaner and an html5lib parser per call) against a module-level Cleaner",
    ),
    "nh3-clean": (
        ("nh3",),
        "import nh3",
        "CL = nh3.Cleaner(tags={'a', 'b', 'i', 'p'})",
        "nh3.clean('<p>hi <script>x</script><a href=\"http://x\">l</a></p>', tags={'a', 'b', 'i', 'p'})",
        "CL.clean('<p>hi <script>x</script><a href=\"http://x\">l</a></p>')",
        "nh3.clean (builds an ammonia cleaner per call) against a module-level nh3.Cleaner",
    ),
    "lxml-xslt": (
        ("lxml",),
        "from lxml import etree\nDOC = etree.fromstring(b'<orders><order id=\"1\"><item>a</item></order></orders>')",
        "XF = etree.XSLT(etree.parse(W + '/report.xsl'))",
        "str(etree.XSLT(etree.parse(W + '/report.xsl'))(DOC))",
        "str(XF(DOC))",
        "lxml.etree.XSLT of a 60-template stylesheet, applied once",
    ),
    "lxml-xmlschema": (
        ("lxml",),
        "from lxml import etree\nDOC = etree.fromstring(b'<orders><order id=\"1\"><item>a</item></order></orders>')",
        "XS = etree.XMLSchema(file=W + '/orders.xsd')",
        "etree.XMLSchema(file=W + '/orders.xsd').validate(DOC)",
        "XS.validate(DOC)",
        "lxml.etree.XMLSchema of a 200-type XSD, one validation",
    ),
    # -- Django --------------------------------------------------------------------------------
    "django-template-engine": (
        ("django",),
        "import django\nfrom django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django.contrib.admin', 'django.contrib.auth', 'django.contrib.contenttypes', "
        "'django.contrib.sessions', 'django.contrib.messages', 'django.contrib.staticfiles', 'django.contrib.humanize'], "
        "TEMPLATES=[{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'APP_DIRS': True}])\n"
        "django.setup()\nfrom django.template.utils import EngineHandler",
        # What Django's system checks do in a worker's parent (check_templates: engines.all()).
        "from django.template import engines\nengines.all()",
        "EngineHandler(templates=[{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'OPTIONS': "
        "{'builtins': ['django.templatetags.static', 'django.contrib.humanize.templatetags.humanize']}}])['django']",
        None,
        "a private DjangoTemplates engine (EngineHandler(...)['django'], two builtins) built in the child, "
        "with 7 contrib apps installed; warm: the parent built the configured engines first, as the system checks do",
    ),
}

JSON_GRAMMAR = r"""
?value: dict | list | string | SIGNED_NUMBER -> number | "true" -> true | "false" -> false | "null" -> null
list : "[" [value ("," value)*] "]"
dict : "{" [pair ("," pair)*] "}"
pair : string ":" value
string : ESCAPED_STRING
%import common.ESCAPED_STRING
%import common.SIGNED_NUMBER
%import common.WS
%ignore WS
"""
# tiktoken's cl100k_base split pattern.
PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = len(xs) // 2
    return xs[k] if len(xs) % 2 else (xs[k - 1] + xs[k]) / 2


def run(name: str, mode: str, n: int, work: str) -> None:
    """One parent: set-up, warm-up in warm mode, then n forked children timing the job."""
    dists, setup, warm, cold_job, warm_job, _ = PATTERNS[name]
    ns: dict = {"W": work, "JSON_GRAMMAR": JSON_GRAMMAR, "PAT": PAT}
    try:
        exec(setup, ns)
        if mode == "warm":
            exec(warm, ns)
        job = compile(cold_job if mode == "cold" or warm_job is None else warm_job, name, "exec")
    except BaseException as ex:  # noqa: BLE001 - reported, not raised
        print(json.dumps({"error": f"setup/warm failed: {ex!r}"[:400]}))
        return
    results = []
    for _ in range(n):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            signal.alarm(CHILD_TIMEOUT_S)  # a child that hangs (a lock or thread pool lost in the fork) is data
            try:
                start, cpu = time.perf_counter(), time.process_time()
                exec(job, ns)
                out = {"job_ms": (time.perf_counter() - start) * 1e3, "cpu_ms": (time.process_time() - cpu) * 1e3}
            except BaseException as ex:  # noqa: BLE001
                out = {"error": repr(ex)[:400]}
            os.write(w, json.dumps(out).encode())
            os._exit(0)
        os.close(w)
        _, status = os.waitpid(pid, 0)
        data = b""
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        hung = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM
        results.append(json.loads(data) if data else {"error": f"hung: no result after {CHILD_TIMEOUT_S} s" if hung else f"no report, status {status}"})
    print(json.dumps({"results": results}))


def versions(dists: tuple[str, ...]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"CPython {sys.version.split()[0]}"]
    for dist in dists:
        try:
            found.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            found.append(f"{dist} (not installed)")
    return ", ".join(found)


def bench(names: list[str], forks: int, rounds: int, work: str, out: str | None) -> None:
    import subprocess

    if not os.path.exists(os.path.join(work, "ready")):
        subprocess.run([sys.executable, __file__, "prepare", "--work", work], check=True)
    per = max(1, forks // rounds)
    rows = []
    load_before = os.getloadavg()
    for name in names:
        acc: dict[str, list[float]] = {"cold": [], "warm": []}
        cpu: dict[str, list[float]] = {"cold": [], "warm": []}
        errors: set[str] = set()
        for rnd in range(rounds):
            for mode in ("cold", "warm") if rnd % 2 == 0 else ("warm", "cold"):
                cp = subprocess.run([sys.executable, __file__, "run", name, mode, str(per), "--work", work],
                                    capture_output=True, text=True, timeout=900)
                line = (cp.stdout.strip().splitlines() or ["{}"])[-1]
                try:
                    data = json.loads(line)
                except ValueError:
                    data = {"error": (cp.stderr[-300:] or line[:300])}
                if "error" in data or "results" not in data:
                    errors.add(f"{mode}: {data.get('error', cp.stderr[-300:])}")
                    continue
                for res in data["results"]:
                    if "error" in res:
                        errors.add(f"{mode} child: {res['error']}")
                    else:
                        acc[mode].append(res["job_ms"])
                        cpu[mode].append(res["cpu_ms"])
        cold, warm = _median(acc["cold"]), _median(acc["warm"])
        row = {"pattern": name, "cold_ms": cold, "warm_ms": warm,
               "cold_cpu_ms": _median(cpu["cold"]), "warm_cpu_ms": _median(cpu["warm"]), "n": (len(acc["cold"]), len(acc["warm"])),
               "versions": versions(PATTERNS[name][0]), "what": PATTERNS[name][5], "errors": sorted(errors)[:2],
               "load": os.getloadavg()[0]}
        rows.append(row)
        print(f"{name:28s} cold {cold:10.2f} ms  warm {warm:8.2f} ms  "
              f"CPU {row['cold_cpu_ms']:10.2f}/{row['warm_cpu_ms']:8.2f} ms  n={row['n']}  load {row['load']:.1f}"
              f"{'  ERR ' + str(row['errors']) if errors else ''}", flush=True)
    if out:
        write_markdown(rows, out, forks, rounds, load_before)


def write_markdown(rows: list[dict], out: str, forks: int, rounds: int, load_before: tuple[float, float, float]) -> None:
    import datetime
    import platform

    lines = [
        "# Catalogue costs: what the library entries cost a forked child",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `benchmarks/catalogue_costs.py` "
        f"({forks} forked children per mode in {rounds} alternating rounds; medians of the child-measured job time) "
        f"on {platform.machine()} with {os.cpu_count()} cores shared with other work: 1-minute load average "
        f"{load_before[0]:.1f} at the start (the `load` column is at each row's end). Figures are noisy at this load: "
        "compare cold with warm, not runs with each other.",
        "",
        "Cold: the job does the work (nothing before the fork). Warm: the parent did it (module-level object or "
        "warm-up); the job only uses it. Models are built locally with random weights at the stated size; load "
        "times scale with the size of the model or file. CPU ms is the child's own CPU time (time.process_time): "
        "on a shared, oversubscribed machine it is the better estimate of the cost on an idle one, so the catalogue "
        "(rules/*.toml) takes its figures from the CPU medians; the wall-clock medians follow the harness's method.",
        "",
        "| pattern | cold ms | warm ms | cold CPU ms | warm CPU ms | n | load | versions | what |",
        "|---|---:|---:|---:|---:|---|---:|---|---|",
    ]
    for r in rows:
        err = f" (errors: {'; '.join(r['errors'])})" if r["errors"] else ""
        lines.append(f"| {r['pattern']} | {r['cold_ms']:.2f} | {r['warm_ms']:.2f} | {r['cold_cpu_ms']:.2f} | "
                     f"{r['warm_cpu_ms']:.2f} | {r['n'][0]}/{r['n'][1]} | "
                     f"{r['load']:.1f} | {r['versions']} | {r['what']}{err} |")
    mode = "a" if os.path.exists(out) and "--append" in sys.argv else "w"
    with open(out, mode) as fh:
        fh.write("\n".join(lines if mode == "w" else lines[8:]) + "\n")


# -- data ------------------------------------------------------------------------------------

def prepare(work: str) -> None:
    """Make every model and file the patterns load (random weights, fixed seeds)."""
    import random

    os.makedirs(work, exist_ok=True)
    rng = random.Random(7)
    steps = [_prep_files, _prep_sklearn, _prep_transformers, _prep_spacy, _prep_keras, _prep_gensim,
             _prep_boosters, _prep_tiktoken, _prep_onnx, _prep_xml]
    for step in steps:
        try:
            step(work, rng)
        except Exception as ex:  # noqa: BLE001 - a missing library skips its patterns
            print(f"prepare: {step.__name__} skipped: {ex!r}", file=sys.stderr)
    open(os.path.join(work, "ready"), "w").close()


def _words(rng, n: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < n:
        seen.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))))
    return sorted(seen)


def _prep_files(work: str, rng) -> None:
    import json as _json
    import pickle

    words = _words(rng, 20000)
    with open(f"{work}/keywords.txt", "w") as fh:
        fh.write("\n".join(f"{w} {words[(i * 7) % len(words)]}=>{w.upper()}" for i, w in enumerate(words)))
    table = {f"key{i:06d}": [i, str(i), i * 0.5] for i in range(200000)}
    with open(f"{work}/table.pkl", "wb") as fh:
        pickle.dump(table, fh)
    with open(f"{work}/config.json", "w") as fh:
        _json.dump({f"item{i}": {"name": words[i % len(words)], "tags": [1, 2, 3], "ok": True} for i in range(15000)}, fh)
    yaml_lines, toml_lines = [], []
    for i in range(300):
        yaml_lines += [f"service{i}:", f"  host: host{i}.internal", f"  port: {8000 + i}", "  retries: 3",
                       "  tags: [a, b, c]", "  options:", "    timeout: 30", "    verify: true"]
        toml_lines += [f"[service{i}]", f'host = "host{i}.internal"']
    with open(f"{work}/config.yaml", "w") as fh:
        fh.write("\n".join(yaml_lines) + "\n")
    with open(f"{work}/config.toml", "w") as fh:
        fh.write("\n".join(toml_lines) + "\n")


def _prep_sklearn(work: str, rng) -> None:
    import joblib
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier

    gen = np.random.default_rng(7)
    x = gen.normal(size=(5000, 20))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    joblib.dump(RandomForestClassifier(n_estimators=100, random_state=7).fit(x, y), f"{work}/forest.joblib")


def _prep_transformers(work: str, rng) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertConfig, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + _words(rng, 20000)
    vocab += ["##" + w for w in _words(rng, 30522 - len(vocab))]
    vocab = list(dict.fromkeys(vocab))[:30522]
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    BertTokenizerFast(tokenizer_object=tok).save_pretrained(f"{work}/tokenizer")
    config = BertConfig(num_hidden_layers=6, vocab_size=30522)
    try:
        import torch
        from transformers import BertModel

        torch.manual_seed(7)
        model = BertModel(config)
        model.save_pretrained(f"{work}/bert6")
        torch.save(model.state_dict(), f"{work}/bert6.pt")
    except ImportError:
        config.save_pretrained(f"{work}/bert6")


def _prep_spacy(work: str, rng) -> None:
    import spacy

    nlp = spacy.blank("en")
    for name in ("tok2vec", "tagger", "parser", "ner"):
        nlp.add_pipe(name)
    for label in ("NN", "VB", "JJ"):
        nlp.get_pipe("tagger").add_label(label)
    for label in ("ORG", "PERSON", "GPE"):
        nlp.get_pipe("ner").add_label(label)
    for label in ("nsubj", "dobj", "ROOT"):
        nlp.get_pipe("parser").add_label(label)
    nlp.initialize()
    nlp.to_disk(f"{work}/spacy_en")


def _prep_keras(work: str, rng) -> None:
    os.environ["KERAS_BACKEND"] = "torch"
    import keras

    model = keras.Sequential([keras.Input((256,))] + [keras.layers.Dense(768, activation="relu") for _ in range(4)]
                             + [keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss="mse")
    model.save(f"{work}/model.keras")


def _prep_gensim(work: str, rng) -> None:
    import numpy as np
    from gensim.models import KeyedVectors

    kv = KeyedVectors(100)
    kv.add_vectors(_words(rng, 50000), np.random.default_rng(7).normal(size=(50000, 100)).astype("float32"))
    kv.save(f"{work}/vectors.kv")


def _prep_boosters(work: str, rng) -> None:
    import numpy as np

    gen = np.random.default_rng(7)
    x = gen.normal(size=(5000, 20))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    try:
        import xgboost

        xgboost.train({"max_depth": 6, "objective": "binary:logistic"}, xgboost.DMatrix(x, y), 200).save_model(f"{work}/xgb.json")
    finally:
        import lightgbm

        lightgbm.train({"num_leaves": 31, "objective": "binary", "verbose": -1}, lightgbm.Dataset(x, y), 200).save_model(f"{work}/lgb.txt")


def _prep_tiktoken(work: str, rng) -> None:
    import base64

    tokens = [bytes([i]) for i in range(256)]
    seen = set(tokens)
    while len(tokens) < 100256:
        t = tokens[rng.randrange(len(tokens))] + tokens[rng.randrange(min(len(tokens), 5000))]
        if t not in seen and len(t) <= 16:
            seen.add(t)
            tokens.append(t)
    with open(f"{work}/ranks.tiktoken", "w") as fh:
        fh.write("\n".join(f"{base64.b64encode(t).decode()} {i}" for i, t in enumerate(tokens)) + "\n")


def _prep_onnx(work: str, rng) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    gen = np.random.default_rng(7)
    nodes, inits, prev = [], [], "x"
    for i in range(4):
        inits.append(numpy_helper.from_array(gen.normal(size=(1024, 1024)).astype("float32") * 0.01, f"w{i}"))
        nodes += [helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]), helper.make_node("Relu", [f"m{i}"], [f"h{i}"])]
        prev = f"h{i}"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1024])],
                              [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [None, 1024])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, f"{work}/mlp.onnx")


def _prep_xml(work: str, rng) -> None:
    templates = "\n".join(
        f'<xsl:template match="order[@id=\'{i}\']"><row n="{i}"><xsl:value-of select="item"/></row></xsl:template>'
        for i in range(60))
    with open(f"{work}/report.xsl", "w") as fh:
        fh.write('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
                 '<xsl:template match="/"><report><xsl:apply-templates select="orders/order"/></report></xsl:template>'
                 f"{templates}</xsl:stylesheet>")
    types = "\n".join(
        f'<xs:complexType name="T{i}"><xs:sequence><xs:element name="a{i}" type="xs:string" minOccurs="0"/>'
        f'<xs:element name="b{i}" type="xs:int" minOccurs="0"/></xs:sequence>'
        f'<xs:attribute name="id" type="xs:string"/></xs:complexType>' for i in range(200))
    with open(f"{work}/orders.xsd", "w") as fh:
        fh.write('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                 '<xs:element name="orders"><xs:complexType><xs:sequence>'
                 '<xs:element name="order" maxOccurs="unbounded"><xs:complexType><xs:sequence>'
                 '<xs:element name="item" type="xs:string"/></xs:sequence><xs:attribute name="id" type="xs:string"/>'
                 f'</xs:complexType></xs:element></xs:sequence></xs:complexType></xs:element>{types}</xs:schema>')


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--forks", type=int, default=16)
    b.add_argument("--rounds", type=int, default=4)
    b.add_argument("--only", default="")
    b.add_argument("--out", default=None)
    b.add_argument("--append", action="store_true")
    b.add_argument("--work", default=DEFAULT_WORK)
    p = sub.add_parser("prepare")
    p.add_argument("--work", default=DEFAULT_WORK)
    r = sub.add_parser("run")
    r.add_argument("name")
    r.add_argument("mode", choices=("cold", "warm"))
    r.add_argument("n", type=int)
    r.add_argument("--work", default=DEFAULT_WORK)
    sub.add_parser("list")
    args = parser.parse_args(argv)
    if args.cmd == "list":
        for name, spec in PATTERNS.items():
            print(f"{name:28s} {spec[5]}")
    elif args.cmd == "prepare":
        prepare(args.work)
    elif args.cmd == "run":
        run(args.name, args.mode, args.n, args.work)
    else:
        names = [n for n in args.only.split(",") if n] or list(PATTERNS)
        bench(names, args.forks, args.rounds, args.work, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
