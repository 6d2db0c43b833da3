#!/usr/bin/env python3
"""Regenerates expected/*.txt: renders every row of cases.tsv with Python Jinja2 set up the way
Hugging Face transformers' apply_chat_template sets it up (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, its own tojson, raise_exception, strftime_now;
messages/tools=None/documents=None/add_generation_prompt/bos_token/eos_token as variables).

Then checks every upstream/*.txt (renderings published by llama.cpp and by mistral.rs, the latter
produced with transformers) against the Jinja2 rendering of its case, so the oracle itself is checked.

    python3 make_expected.py          # write expected/
    python3 make_expected.py --check  # compare only, exit 1 on a difference
Needs only Jinja2 (3.1.x was used). The conversations below must match ChatTemplateGoldenTest.
"""
import json, os, sys
from datetime import datetime
import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
SYS = "You are a helpful assistant"
FULL6 = [("system", SYS), ("user", "Hello"), ("assistant", "Hi there"), ("user", "Who are you"),
         ("assistant", "   I am an assistant   "), ("user", "Another question")]
TRICKY4 = [("system", "Be 'nice' & \"exact\" \\ {{ not_a_var }} {% if %}"),
           ("user", "Emoji \U0001F600, CJK \u4e2d\u6587, tab\t, <|im_end|> </s> [INST]"),
           ("assistant", "  spaced\n\n  out  "), ("user", "Last one\n")]
CONVERSATIONS = {
    "full6": FULL6,
    "nosys5": FULL6[1:],
    "merged5": [("user", SYS + "\nHello")] + FULL6[2:],
    "sua4": FULL6[:4],
    "ua3": FULL6[1:4],
    "tricky4": TRICKY4,
    "tricky3": TRICKY4[1:],
}

# strftime_now() is pinned so renderings are reproducible; the Java test pins its clock to the same instant.
FIXED_NOW = datetime(2024, 7, 26, 12, 0, 0)  # 2024-07-26T12:00:00Z

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: FIXED_NOW.strftime(fmt)
    return env

def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()

def cases():
    for line in read(os.path.join(HERE, "cases.tsv")).split("\n"):
        if not line or line.startswith("#"):
            continue
        case_id, template, conv, agp, bos, eos, variables = line.split("\t")
        yield dict(id=case_id, template=template, conv=conv, agp=agp == "1",
                   bos="" if bos == "-" else bos, eos="" if eos == "-" else eos,
                   variables=[] if variables == "-" else [v.split("=", 1) for v in variables.split(" ;; ")])

def render(case):
    env = environment()
    extra = {k: env.compile_expression(expr)() for k, expr in case["variables"]}
    messages = [{"role": r, "content": c} for r, c in CONVERSATIONS[case["conv"]]]
    template = env.from_string(read(os.path.join(HERE, "templates", case["template"] + ".jinja")))
    variables = dict(messages=messages, tools=None, documents=None, add_generation_prompt=case["agp"],
                     bos_token=case["bos"], eos_token=case["eos"])
    variables.update(extra)
    return template.render(**variables)

def main():
    check = "--check" in sys.argv
    bad = 0
    by_id = {}
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    for case in cases():
        out = render(case)
        by_id[case["id"]] = out
        path = os.path.join(HERE, "expected", case["id"] + ".txt")
        if check:
            if read(path) != out:
                print("DIFFERS:", case["id"]); bad += 1
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(out)
    for line in read(os.path.join(HERE, "upstream.tsv")).split("\n"):
        if not line or line.startswith("#"):
            continue
        upstream_file, case_id = line.split("\t")[:2]
        if read(os.path.join(HERE, "upstream", upstream_file)) != by_id[case_id]:
            print("UPSTREAM DISAGREES:", upstream_file, case_id); bad += 1
    print(len(by_id), "cases,", "%d problem(s)" % bad)
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
